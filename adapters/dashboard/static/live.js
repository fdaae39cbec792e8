// The /api/live feed. Messages are queued as they arrive and handled once
// per animation frame, so 200 chargers reading every second cost a few
// frames' work a second, not 200 separate renders. Readings are patched
// into the store from the event; every other event re-reads its charger.
//
// Every event carries its stream position (seq). After a reconnection the
// feed is resumed from the last position handled ("since"): the server
// sends exactly what was missed, then live, and the page needs no new
// snapshot. Only when the server cannot recover (recovered: false: the
// stream no longer holds what was missed) is the snapshot read again.
//
// The socket is authenticated by the session cookie the browser sends with
// the upgrade, never by anything in its address.

import { checkSession, signedIn } from './auth.js';
import { applyReading, currency, loadAll, refresh } from './store.js';
import { $, fmtClock, fmtMoney, fmtSoc } from './util.js';

const LOG_MAX = 200;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15000;
const LIVE_WITHOUT_ACK_MS = 2000;
const SNAPSHOT_EVERY_MS = 10000; // balances grow with time, without events

const live = {
  ws: null,
  backoff: BACKOFF_MIN_MS,
  reconnectTimer: 0,
  queue: [],
  frame: 0,
  handlers: [], // fn(msg) for every event, after the store saw it
  onSnapshotError: () => {},
  lastSeq: 0, // the stream position handled: the last event's seq, or a recovery's "to"
  periodic: 0,
};

/** transactions maps a charger id to the OCPP transaction seen on the feed. */
export const transactions = new Map();

/** onEvent calls fn(msg) for every live event, batched per frame. */
export function onEvent(fn) {
  live.handlers.push(fn);
}

/** setConn shows the connection state. */
export function setConn(s) {
  const el = $('#conn');
  el.dataset.state = s;
  el.textContent = { live: 'live', connecting: 'connecting…', offline: 'offline, retrying' }[s];
}

/** snapshot re-reads every charger; errors go to onSnapshotError. */
export async function snapshot() {
  try {
    await loadAll();
    live.onSnapshotError('');
  } catch (err) {
    if (err.status !== 401) live.onSnapshotError(`Could not load chargers: ${err.message}`);
  }
}

/** startLive connects the feed and keeps it connected; errors(text) reports snapshot failures. */
export function startLive(errors) {
  live.onSnapshotError = errors;
  const wake = () => {
    if (signedIn() && !live.ws) {
      live.backoff = BACKOFF_MIN_MS;
      connect();
    }
  };
  window.addEventListener('online', wake);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') wake();
  });
  connect();
}

// restartPeriodic re-reads the snapshot every SNAPSHOT_EVERY_MS from now,
// while live.
function restartPeriodic() {
  clearInterval(live.periodic);
  live.periodic = setInterval(() => {
    if (live.ws && live.ws.isLive) snapshot();
  }, SNAPSHOT_EVERY_MS);
}

/** position returns the stream position the page has handled (0: none yet). */
export function position() {
  return live.lastSeq;
}

/** stopLive closes the feed (signed out, or the session ended). */
export function stopLive() {
  clearTimeout(live.reconnectTimer);
  if (live.ws) {
    const ws = live.ws;
    live.ws = null;
    ws.close();
  }
  setConn('offline');
}

/** connectLive opens the feed unless it is open (after signing in). */
export function connectLive() {
  connect();
}

function connect() {
  if (!signedIn() || live.ws) return;
  clearTimeout(live.reconnectTimer);
  setConn('connecting');
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${scheme}//${location.host}/api/live`);
  live.ws = ws;
  let opened = false;
  let ackTimer = 0;
  ws.onopen = () => {
    opened = true;
    if (live.queue.length) drain(); // what the last socket brought counts for the position
    subscribe(ws, live.lastSeq);
    // Servers acknowledge with {"type":"subscribed"}; do not hang on one that does not.
    ackTimer = setTimeout(() => goLive(ws, true), LIVE_WITHOUT_ACK_MS);
  };
  ws.onmessage = (ev) => {
    live.queue.push([ws, ev.data]);
    if (!live.frame) live.frame = requestAnimationFrame(drain);
  };
  ws.onclose = () => {
    clearTimeout(ackTimer);
    if (live.ws !== ws) return; // replaced or closed on purpose
    live.ws = null;
    setConn('offline');
    // Refused, or closed by the server (the session ended, the member was
    // disabled): a snapshot, or GET /api/me once it was open (the resume
    // needs no snapshot), tells, and a 401 brings the sign-in form.
    if (!opened) snapshot();
    else checkSession();
    const delay = live.backoff * (0.75 + Math.random() * 0.5);
    live.backoff = Math.min(live.backoff * 2, BACKOFF_MAX_MS);
    live.reconnectTimer = setTimeout(connect, delay);
  };
}

// subscribe subscribes ws to every charger, resuming after since when the
// page has a position.
function subscribe(ws, since) {
  const msg = { action: 'subscribe', chargerId: '*' };
  if (since > 0) msg.since = since;
  ws.resuming = since > 0;
  ws.send(JSON.stringify(msg));
}

// goLive marks ws live; needSnapshot re-reads every charger, to catch up on
// what the feed cannot bring (before the first subscription, or after a
// resume the server could not complete).
function goLive(ws, needSnapshot) {
  if (live.ws !== ws || ws.isLive) return;
  ws.isLive = true;
  live.backoff = BACKOFF_MIN_MS;
  setConn('live');
  restartPeriodic();
  if (needSnapshot) snapshot();
}

// advance moves the position forward.
function advance(seq) {
  if (typeof seq === 'number' && seq > live.lastSeq) live.lastSeq = seq;
}

// drain handles every message queued since the last frame.
function drain() {
  live.frame = 0;
  const batch = live.queue;
  live.queue = [];
  const lines = [];
  for (const [ws, raw] of batch) {
    let msg;
    try {
      msg = JSON.parse(raw);
    } catch {
      continue;
    }
    if (!msg || typeof msg.type !== 'string') continue;
    if (msg.type === 'subscribed') {
      // Resumed and complete: what was missed follows; no snapshot.
      goLive(ws, !(ws.resuming && msg.recovered === true));
      continue;
    }
    if (msg.type === 'recovery') {
      advance(msg.to);
      continue;
    }
    if (msg.type === 'error' && ws.resuming && !ws.isLive && live.ws === ws) {
      // A server that does not know "since": subscribe as before.
      subscribe(ws, 0);
      continue;
    }
    if (msg.type === 'error') {
      const d = msg.data || {};
      lines.push([new Date().toISOString(), '', 'error', `${d.code || ''} ${d.message || ''}`.trim()]);
      continue;
    }
    goLive(ws, !ws.resuming); // an event proves the subscription works
    advance(msg.seq);
    handle(msg, lines);
  }
  $('#conn').dataset.seq = String(live.lastSeq);
  addLogLines(lines);
}

function handle(msg, lines) {
  const d = msg.data || {};
  const reading = msg.type === 'charger.soc_reported';
  if (!reading || $('#log-readings').checked) {
    lines.push([msg.time, msg.chargerId || msg.widgetId, msg.type, withActor(describe(msg.type, d, msg), msg)]);
  }
  switch (msg.type) {
    case 'charger.soc_reported':
      if (typeof d.soc === 'number') applyReading(msg.chargerId, d.soc, d.status || '', msg.time);
      else refresh(msg.chargerId);
      break;
    case 'session.transaction_started':
      transactions.set(msg.chargerId, d.transactionId);
      refresh(msg.chargerId);
      break;
    case 'session.transaction_stopped':
      transactions.delete(msg.chargerId);
      refresh(msg.chargerId);
      break;
    case 'pairing.set':
    case 'pairing.removed':
      refresh(d.chargerId);
      refresh(msg.chargerId);
      break;
    default:
      refresh(msg.chargerId);
  }
  for (const fn of live.handlers) fn(msg);
}

/** withActor adds who caused an event (staff events carry an actor) to its text. */
export function withActor(text, ev) {
  const a = ev && ev.actor;
  if (!a || !(a.name || a.id)) return text;
  const by = `by ${a.name || a.id}`;
  return text ? `${text} · ${by}` : by;
}

// describe turns an event's data into the short text of a log line.
export function describe(type, d, ev) {
  const money = (c) => fmtMoney(c, currency());
  switch (type) {
    case 'charger.soc_reported':
      return `${typeof d.soc === 'number' ? fmtSoc(d.soc) : '?'} · ${d.status || ''}`;
    case 'charger.connected':
      return [d.protocol, d.remote].filter(Boolean).join(' from ');
    case 'charger.disconnected':
      return d.reason || '';
    case 'widget.connected':
      return `widget ${ev.widgetId || '?'}`;
    case 'widget.disconnected':
      return `widget ${ev.widgetId || '?'}${d.reason ? `: ${d.reason}` : ''}`;
    case 'charger.booted':
      return [d.vendor, d.model, d.firmware].filter(Boolean).join(' ');
    case 'charger.connector_status':
      return `connector ${d.connectorId}: ${d.status}${d.errorCode && d.errorCode !== 'NoError' ? ` (${d.errorCode})` : ''}`;
    case 'pairing.set':
    case 'pairing.removed':
      return `${d.chargerId} ↔ ${d.widgetId}`;
    case 'session.opened':
      return `by ${d.by || '?'}${d.widgetId ? `, widget ${d.widgetId}` : ''}`;
    case 'session.payment_recorded':
      return `${money(d.amountCents)}${d.tipCents ? ` + tip ${money(d.tipCents)}` : ''} ${d.method || ''}${d.reference ? ` ref ${d.reference}` : ''}${d.till ? ` · till ${d.till}` : ''}`;
    case 'session.payment_voided':
      return `VOID ${money(d.amountCents)} ${d.method || ''}: ${d.reason || ''}`;
    case 'session.refunded':
      return `REFUND ${money(d.amountCents)} ${d.method || ''}: ${d.reason || ''}`;
    case 'session.unclaimed':
      return `still here at closing ${d.night || ''} ${d.timeZone || ''}`;
    case 'session.handed_back':
      return `due ${money(d.amountDueCents)}, paid ${money(d.paidCents)}${d.waived ? `, waived: ${d.waiveReason}` : ''}`;
    case 'session.transaction_started':
      return `transaction ${d.transactionId}, connector ${d.connectorId}, ${d.idTag || ''}`;
    case 'session.transaction_stopped':
      return `transaction ${d.transactionId}, ${d.reason || ''}`;
    case 'session.meter_sampled':
      return `${d.measurand || ''} ${d.value} ${d.unit || ''}`.trim();
    case 'session.overdue':
      return `charged ${fmtClock(d.chargedAt)}, collect after ${d.collectAfter}`;
    case 'notice.scheduled':
      return `${d.localTime} ${d.timeZone}: ${d.text}`;
    case 'notice.fired':
      return d.text || '';
    default: {
      const text = JSON.stringify(d);
      return text === '{}' ? '' : text.slice(0, 120);
    }
  }
}

// addLogLines puts a frame's log lines on top of the event log in one
// insertion, keeping the newest LOG_MAX.
function addLogLines(lines) {
  if (lines.length === 0) return;
  const frag = document.createDocumentFragment();
  for (const [time, who, type, detail] of lines.slice(-LOG_MAX).reverse()) {
    const li = document.createElement('li');
    li.dataset.type = type;
    for (const [cls, text] of [['time', fmtClock(time)], ['who', who || '—'], ['type', type], ['detail', detail]]) {
      const span = document.createElement('span');
      span.className = cls;
      span.textContent = text;
      li.append(span);
    }
    frag.append(li);
  }
  const log = $('#log');
  log.prepend(frag);
  while (log.children.length > LOG_MAX) log.lastElementChild.remove();
}
