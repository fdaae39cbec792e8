// The side panel: one charger's session, its actions (payment, hand-back,
// check-in, pairing, OCPP remote calls) and its timeline. It is the only
// place with forms, so the board's tiles stay small.
//
// Extension points: [data-slot="ticket"] (claim code, ticket link),
// [data-slot="handback-claim"] (claim check at hand-back) and
// [data-slot="checkin-extra"] (customer label at check-in) are empty
// containers; addPanelRenderer(fn(charger, panelElement)) runs on every
// render so later views can fill them; addRequestFields(kind, fn) adds
// fields to the check-in ('checkin') or hand-back ('handback') request.
//
// Every action button carries the role it needs (data-role); auth.js hides
// the ones the signed-in member does not hold, and onAction refuses them
// too (a key press in a hidden field cannot reach them either).

import { ApiError, api } from './api.js';
import { allowed, can } from './auth.js';
import { describe, onEvent, transactions, withActor } from './live.js';
import { chargers, currency, isOverdue, onChange, openSession, refresh } from './store.js';
import {
  $, ID_RE, LED_LABEL, centsToMajor, enc, fmtAgo, fmtClock, fmtDuration, fmtMoney, fmtSoc, ledStatus,
  majorToCents, parseTime, setData, setText, showMsg, uuid,
} from './util.js';

const TIMELINE_READINGS_EVERY_MS = 5000;

const panel = {
  id: '', // charger shown, '' when closed
  sessionId: '',
  idemKey: uuid(),
  keyUsed: false, // the key went with a recorded payment; change the form to get a new one
  returnFocus: null,
  timelineTimer: 0,
  timelineAt: 0,
  timelineSeq: 0,
  renderers: [],
  fields: { checkin: [], handback: [] },
};

let el = null;
const q = (sel) => el.querySelector(sel);

/** addPanelRenderer runs fn(charger, panelElement) after every render of the panel. */
export function addPanelRenderer(fn) {
  panel.renderers.push(fn);
}

/**
 * addRequestFields adds fn(session or charger, panelElement) -> object to
 * the body of the 'checkin' or 'handback' request (the label, the claim).
 */
export function addRequestFields(kind, fn) {
  panel.fields[kind].push(fn);
}

function extraFields(kind, subject) {
  return Object.assign({}, ...panel.fields[kind].map((fn) => fn(subject, el)));
}

/** currentCharger is the id of the charger the panel shows ('' when closed). */
export function currentCharger() {
  return panel.id;
}

/** initPanel wires the panel. */
export function initPanel() {
  el = $('#panel');
  q('#panel-close').addEventListener('click', closePanel);
  el.addEventListener('click', (ev) => {
    const btn = ev.target.closest('button[data-action]');
    if (btn && !btn.disabled) onAction(btn.dataset.action);
  });
  el.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter') return;
    const field = ev.target.dataset && ev.target.dataset.field;
    const action = { widget: 'pair', waive: 'handback-waive', 'checkin-widget': 'checkin', label: 'checkin', claim: 'handback' }[field];
    if (action) {
      ev.preventDefault();
      onAction(action);
    }
  });
  document.addEventListener('keydown', (ev) => {
    // Behind the sign-in form the panel waits for its member: Esc is the form's.
    if (ev.key === 'Escape' && panel.id && !el.inert) {
      ev.preventDefault();
      closePanel();
    }
  });
  const amount = q('[data-field="amount"]');
  amount.addEventListener('input', () => {
    amount.dataset.dirty = '1';
    freshKeyIfUsed();
  });
  q('[data-field="reference"]').addEventListener('input', freshKeyIfUsed);
  onChange((ids) => {
    if (panel.id && ids.includes(panel.id)) render();
  });
  onEvent((msg) => {
    if (!panel.id || msg.chargerId !== panel.id) return;
    const reading = msg.type === 'charger.soc_reported';
    if (!reading || performance.now() - panel.timelineAt > TIMELINE_READINGS_EVERY_MS) scheduleTimeline();
  });
  setInterval(tick, 1000);
}

/** openPanel shows charger id's panel and moves the focus into it. */
export function openPanel(id) {
  if (!chargers.has(id)) return;
  if (!panel.id) panel.returnFocus = document.activeElement;
  if (panel.id !== id) {
    panel.id = id;
    panel.sessionId = null; // forces a clean form
    q('[data-field="widget"]').value = '';
    q('[data-field="checkin-widget"]').value = '';
    showMsg(q('[data-error]'), '');
    showMsg(q('[data-info]'), '');
    q('#timeline').replaceChildren();
  }
  el.dataset.charger = id;
  el.hidden = false;
  document.body.classList.add('has-panel');
  render();
  scheduleTimeline(0);
  refresh(id);
  q('#panel-title').focus();
}

/** resetPanel forgets what was typed into the panel (another member signs in). */
export function resetPanel() {
  panel.sessionId = null;
  panel.idemKey = uuid();
  panel.keyUsed = false;
  for (const f of el.querySelectorAll('[data-field]')) {
    f.value = '';
    delete f.dataset.dirty;
  }
  q('[data-ref="waiveRow"]').hidden = true;
  showMsg(q('[data-error]'), '');
  showMsg(q('[data-info]'), '');
  q('#timeline').replaceChildren();
}

/** closePanel hides the panel and gives the focus back. */
export function closePanel() {
  if (!panel.id) return;
  const id = panel.id;
  panel.id = '';
  el.hidden = true;
  el.dataset.charger = '';
  document.body.classList.remove('has-panel');
  const tile = document.querySelector(`#tiles [data-charger="${CSS.escape(id)}"]`);
  const back = panel.returnFocus && panel.returnFocus.isConnected ? panel.returnFocus : tile;
  if (back) back.focus();
}

function freshKeyIfUsed() {
  if (!panel.keyUsed) return;
  panel.idemKey = uuid();
  panel.keyUsed = false;
}

function render() {
  const c = chargers.get(panel.id);
  if (!c) return;
  const s = openSession(c);
  const cur = (s && s.currency) || currency();
  const status = ledStatus(c.status);
  const led = q('[data-led]');
  setData(led, 'status', status);
  led.setAttribute('aria-label', `LED ${LED_LABEL[status]}`);
  setText(q('#panel-title'), c.chargerId);

  const soc = typeof c.soc === 'number' ? c.soc : null;
  const socText = q('[data-soc]');
  setData(socText, 'value', soc === null ? '' : String(soc));
  setText(socText, soc === null ? '–' : fmtSoc(soc));
  q('[data-ref="socfill"]').style.width = `${soc === null ? 0 : Math.min(100, Math.max(0, soc))}%`;
  setData(q('[data-ref="socfill"]'), 'level', status);
  const bar = q('[data-ref="socbar"]');
  if (soc === null) bar.removeAttribute('aria-valuenow');
  else bar.setAttribute('aria-valuenow', String(soc));

  // A new session gets a clean payment form and a new idempotency key.
  const sid = s ? s.id : '';
  const amount = q('[data-field="amount"]');
  if (sid !== panel.sessionId) {
    if (panel.sessionId !== null) scheduleTimeline(0);
    panel.sessionId = sid;
    panel.idemKey = uuid();
    panel.keyUsed = false;
    delete amount.dataset.dirty;
    amount.value = '';
    q('[data-field="reference"]').value = '';
    q('[data-field="waive"]').value = '';
    q('[data-ref="waiveRow"]').hidden = true;
  }

  setText(q('[data-due]'), s ? fmtMoney(s.amountDueCents, cur) : '–');
  setText(q('[data-paid]'), s ? fmtMoney(s.paidCents, cur) : '–');
  const balance = q('[data-balance]');
  setText(balance, s ? fmtMoney(s.balanceCents, cur) : '–');
  setData(balance, 'cents', s && typeof s.balanceCents === 'number' ? String(s.balanceCents) : '');
  balance.classList.toggle('owed', !!s && s.balanceCents > 0);
  setText(q('[data-ref="currency"]'), s ? `(${cur})` : '');
  // Prefill the amount with the balance unless staff are editing it.
  if (s && !amount.dataset.dirty && document.activeElement !== amount) {
    const value = s.balanceCents > 0 ? centsToMajor(s.balanceCents, cur) : '';
    if (value !== amount.value) {
      amount.value = value;
      freshKeyIfUsed();
    }
  }
  q('[data-timer]').dataset.since = s ? s.openedAt || '' : '';

  setPresence(q('[data-presence="charger"]'), c.online, c.online ? 'online' : 'offline');
  const w = q('[data-presence="widget"]');
  setPresence(w, c.widgetId && c.widgetOnline, c.widgetId ? (c.widgetOnline ? 'online' : 'offline') : '');
  setText(w.querySelector('[data-ref="widgetId"]'), c.widgetId || 'none');
  q('[data-ref="lastSeen"]').dataset.lastSeen = c.lastSeen || '';
  el.classList.toggle('is-offline', !c.online);

  const overdue = isOverdue(c);
  el.classList.toggle('is-overdue', overdue);
  q('[data-overdue]').hidden = !overdue;
  const proto = q('[data-ref="protocol"]');
  proto.hidden = !c.protocol;
  setText(proto, c.protocol || '');
  const meta = c.meta || {};
  const metaText = [meta.vendor, meta.model, meta.firmware && `fw ${meta.firmware}`].filter(Boolean).join(' · ');
  q('[data-ref="meta"]').hidden = !metaText;
  setText(q('[data-ref="meta"]'), metaText);
  const conns = Array.isArray(c.connectors) ? c.connectors : [];
  const connList = q('[data-connectors]');
  connList.hidden = conns.length === 0;
  const connText = conns.map((k) => `${k.connectorId}:${k.status}:${k.errorCode}`).join('|');
  if (connList.dataset.key !== connText) {
    connList.dataset.key = connText;
    connList.replaceChildren(...conns.map((k) => {
      const li = document.createElement('li');
      li.dataset.connector = String(k.connectorId);
      li.dataset.connectorStatus = k.status || '';
      const err = k.errorCode && k.errorCode !== 'NoError' ? ` (${k.errorCode})` : '';
      li.textContent = `Connector ${k.connectorId}: ${k.status || '?'}${err}`;
      return li;
    }));
  }

  q('[data-ref="open"]').hidden = !s;
  q('[data-ref="closed"]').hidden = !!s;
  q('[data-ref="ocpp"]').hidden = c.protocol !== 'ocpp1.6';
  q('[data-action="unpair"]').hidden = !c.widgetId;
  for (const fn of panel.renderers) fn(c, el);
  tick();
}

function setPresence(li, online, text) {
  setData(li, 'state', online ? 'online' : 'offline');
  setText(li.querySelector('b'), text);
}

function tick() {
  if (!panel.id) return;
  const now = Date.now();
  const timer = q('[data-timer]');
  const since = parseTime(timer.dataset.since);
  setText(timer, Number.isNaN(since) ? '–' : fmtDuration(now - since));
  const seen = q('[data-ref="lastSeen"]');
  setText(seen, fmtAgo(parseTime(seen.dataset.lastSeen), now));
}

function setBusy(busy) {
  el.toggleAttribute('aria-busy', busy);
  for (const btn of el.querySelectorAll('button[data-action]')) btn.disabled = busy;
}

// ---------------------------------------------------------------- actions

async function onAction(action) {
  const id = panel.id;
  const c = chargers.get(id);
  if (!c || el.hasAttribute('aria-busy')) return;
  const btn = q(`button[data-action="${action}"]`);
  if (!btn || !allowed(btn)) return;
  const s = openSession(c);
  const error = q('[data-error]');
  const info = q('[data-info]');
  showMsg(error, '');
  showMsg(info, '');
  setBusy(true);
  try {
    let done = '';
    switch (action) {
      case 'pay-cash':
      case 'pay-card':
        done = await pay(s, action === 'pay-cash' ? 'cash' : 'card');
        break;
      case 'handback': {
        const row = q('[data-ref="waiveRow"]');
        done = await handBack(s, row.hidden || !can('lead') ? '' : q('[data-field="waive"]').value.trim());
        break;
      }
      case 'handback-waive': {
        const reason = q('[data-field="waive"]').value.trim();
        if (!reason) throw new ApiError(0, 'waive_reason', 'Type why the balance is waived.');
        done = await handBack(s, reason);
        break;
      }
      case 'checkin': {
        const field = q('[data-field="checkin-widget"]');
        const w = field.value.trim();
        if (w && !ID_RE.test(w)) throw new ApiError(0, 'invalid_widget', 'A widget id is 1–48 letters, digits, ".", "_" or "-".');
        const body = { chargerId: id, ...extraFields('checkin', c) };
        if (w) body.widgetId = w; // the server pairs the widget handed out with the charger
        await api('POST', '/api/sessions', body);
        field.value = '';
        done = w ? `Phone checked in with widget ${w}.` : 'Phone checked in.';
        break;
      }
      case 'pair': {
        const field = q('[data-field="widget"]');
        const w = field.value.trim();
        if (!ID_RE.test(w)) throw new ApiError(0, 'invalid_widget', 'A widget id is 1–48 letters, digits, ".", "_" or "-".');
        await api('PUT', `/api/pairings/${enc(id)}`, { widgetId: w });
        field.value = '';
        done = `Paired with ${w}.`;
        break;
      }
      case 'unpair':
        await api('DELETE', `/api/pairings/${enc(id)}`);
        done = 'Widget unpaired.';
        break;
      case 'remote-start':
        done = `Remote start: ${answer(await api('POST', `/api/chargers/${enc(id)}/remote-start`, { idTag: 'STAFF', connectorId: 1 }))}`;
        break;
      case 'remote-stop': {
        // The transaction id is only known from the live feed; the server
        // finds the running one itself when it is left out.
        const tx = transactions.get(id);
        const body = tx === undefined ? {} : { transactionId: tx };
        done = `Remote stop: ${answer(await api('POST', `/api/chargers/${enc(id)}/remote-stop`, body))}`;
        break;
      }
      default:
        return;
    }
    if (panel.id === id) showMsg(info, done);
  } catch (err) {
    if (panel.id === id) showMsg(error, err.message);
  } finally {
    setBusy(false);
    refresh(id);
    scheduleTimeline();
  }
}

// pay records a payment with the panel's idempotency key. The key belongs
// to the form: a double click, or a retry after a lost answer, sends the
// same key and the server counts it once. A new key comes with a new
// session or once the form changes after a recorded payment.
async function pay(s, method) {
  if (!s) throw new ApiError(0, 'no_session', 'No open session on this charger.');
  const cur = s.currency || currency();
  const amount = q('[data-field="amount"]');
  const cents = majorToCents(amount.value, cur);
  if (cents === null) throw new ApiError(0, 'invalid_amount', `Type an amount such as ${centsToMajor(500, cur)}.`);
  const body = { amountCents: cents, method };
  const reference = q('[data-field="reference"]').value.trim();
  if (reference) body.reference = reference;
  // The tip checkbox and till picker come from money.js.
  const tip = q('[data-field="tip"]');
  if (tip && tip.checked) body.tip = true;
  const till = q('[data-field="till"]');
  if (till && till.value && !till.closest('label').hidden) body.till = till.value;
  try {
    await api('POST', `/api/sessions/${enc(s.id)}/payments`, body, { 'Idempotency-Key': panel.idemKey });
  } catch (err) {
    // A refusal means nothing was recorded, so the next try is a new
    // payment. After a network error the outcome is unknown: keep the key.
    if (err.status >= 400 && err.status < 500) panel.idemKey = uuid();
    throw err;
  }
  panel.keyUsed = true;
  delete amount.dataset.dirty;
  return `Recorded ${fmtMoney(cents, cur)} ${method}.`;
}

async function handBack(s, waiveReason) {
  if (!s) throw new ApiError(0, 'no_session', 'No open session on this charger.');
  try {
    const body = extraFields('handback', s);
    if (waiveReason) body.waiveReason = waiveReason;
    await api('POST', `/api/sessions/${enc(s.id)}/handback`, body);
  } catch (err) {
    if (err.code === 'claim_mismatch' || err.code === 'claim_required') {
      const claim = q('[data-field="claim"]');
      if (claim) {
        claim.setAttribute('aria-invalid', 'true');
        claim.select();
      }
      const what = err.code === 'claim_mismatch' ? 'Does not match — do not hand this phone over.' : 'Scan the widget or type the ticket\'s claim code.';
      throw new ApiError(err.status, err.code, `${what} ${err.message}`);
    }
    if (err.status === 409 && err.code === 'balance_due') {
      q('[data-ref="waiveRow"]').hidden = false;
      const next = can('lead') ? 'Take a payment, or give a reason to waive it.' : 'Take a payment, or ask a lead to waive it.';
      throw new ApiError(err.status, err.code, `${err.message} ${next}`);
    }
    throw err;
  }
  return waiveReason ? 'Handed back, balance waived.' : 'Handed back.';
}

// answer summarises the charger's reply to a remote call.
function answer(r) {
  if (r && typeof r.status === 'string') return r.status;
  return r ? JSON.stringify(r) : 'sent';
}

// ---------------------------------------------------------------- timeline

function scheduleTimeline(delay = 300) {
  if (!panel.id) return;
  clearTimeout(panel.timelineTimer);
  panel.timelineTimer = setTimeout(loadTimeline, delay);
}

// loadTimeline shows the open session's events, or the last session's when
// the charger is free.
async function loadTimeline() {
  const id = panel.id;
  const c = chargers.get(id);
  if (!c) return;
  const seq = ++panel.timelineSeq;
  panel.timelineAt = performance.now();
  const title = q('#timeline-title');
  try {
    let sid = (openSession(c) || {}).id || '';
    let heading = 'Session timeline';
    if (!sid) {
      const list = await api('GET', `/api/sessions?charger=${enc(id)}`);
      const last = ((list && list.sessions) || [])[0];
      sid = last ? last.id : '';
      heading = 'Last session';
    }
    if (!sid) {
      if (seq === panel.timelineSeq && panel.id === id) {
        title.textContent = 'No sessions yet';
        q('#timeline').replaceChildren();
      }
      return;
    }
    const detail = await api('GET', `/api/sessions/${enc(sid)}`);
    if (seq !== panel.timelineSeq || panel.id !== id) return;
    title.textContent = heading;
    renderTimeline((detail && detail.timeline) || []);
  } catch (err) {
    if (seq === panel.timelineSeq && panel.id === id) title.textContent = `Timeline unavailable: ${err.message}`;
  }
}

// renderTimeline lists the events, newest first, folding each run of
// readings into one line ("12 readings, 40% → 52%").
function renderTimeline(events) {
  const rows = [];
  for (const e of events) {
    const d = e.data || {};
    const last = rows[rows.length - 1];
    if (e.type === 'charger.soc_reported' && last && last.readings) {
      last.readings++;
      last.to = d.soc;
      last.time = e.time;
      continue;
    }
    if (e.type === 'charger.soc_reported') {
      rows.push({ type: e.type, time: e.time, readings: 1, from: d.soc, to: d.soc });
      continue;
    }
    rows.push({ type: e.type, time: e.time, text: withActor(describe(e.type, d, e), e) });
  }
  const items = rows.reverse().map((r) => {
    const li = document.createElement('li');
    li.dataset.type = r.type;
    const time = document.createElement('span');
    time.className = 'time';
    time.textContent = fmtClock(r.time);
    const type = document.createElement('span');
    type.className = 'type';
    type.textContent = r.readings ? 'readings' : r.type.replace(/^(session|charger|pairing|widget)\./, '').replaceAll('_', ' ');
    const detail = document.createElement('span');
    detail.className = 'detail';
    const soc = (v) => (typeof v === 'number' ? fmtSoc(v) : '?');
    detail.textContent = r.readings
      ? r.readings === 1 ? soc(r.to) : `${r.readings} readings, ${soc(r.from)} → ${soc(r.to)}`
      : r.text;
    li.append(time, type, detail);
    return li;
  });
  q('#timeline').replaceChildren(...items);
}
