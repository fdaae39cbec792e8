// chargebooth booth dashboard.
//
// Data flow: a REST snapshot first (GET /api/chargers, GET /api/notices),
// then the /api/live WebSocket. Live events are only triggers: each one
// re-fetches GET /api/chargers/{id} for its charger (coalesced per charger),
// so the cards always show the server's projection, never a local guess.
// After every (re)subscription the snapshot is taken again, which covers
// anything that happened while the socket was down.
//
// Cards are built once from <template id="card-tpl"> and then updated in
// place, so what staff are typing survives the redraws.

const TOKEN_KEY = 'chargebooth.token';
const LOG_MAX = 200;
const REFRESH_DELAY_MS = 100;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15000;
const LIVE_WITHOUT_ACK_MS = 2000;
const ID_RE = /^[A-Za-z0-9._-]{1,48}$/;
const LED_LABEL = {
  charging: 'red, charging',
  charging80: 'yellow, at least 80 %',
  charged: 'green, charged',
  none: 'off',
};

const $ = (sel, root = document) => root.querySelector(sel);

const state = {
  token: '',
  cards: new Map(), // chargerId -> card (see createCard)
  refreshTimers: new Map(), // chargerId -> pending refresh timer
  reqSeq: 0, // numbers every charger read, so a stale answer never overwrites a newer one
  applied: new Map(), // chargerId -> reqSeq of the answer on screen
  transactions: new Map(), // chargerId -> OCPP transactionId seen on the live feed
  currency: 'EUR', // last currency seen on a session, for the event log
  ws: null,
  backoff: BACKOFF_MIN_MS,
  reconnectTimer: 0,
};

// ---------------------------------------------------------------- api

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// api sends one request with the staff token and returns the decoded JSON
// body (or null). Failures throw ApiError carrying the server's
// {"error":{"code","message"}}; status 0 means the server was unreachable.
async function api(method, path, body, headers = {}) {
  const init = {
    method,
    cache: 'no-store',
    headers: { Accept: 'application/json', Authorization: `Bearer ${state.token}`, ...headers },
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the server.');
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text for the error message
  }
  if (res.ok) return data;
  const e = (data && data.error) || {};
  if (res.status === 401) askForToken(e.message || 'The server refused the token.');
  throw new ApiError(res.status, e.code || `http_${res.status}`, e.message || text.trim() || res.statusText);
}

const enc = encodeURIComponent;

// uuid returns a random v4 UUID. crypto.randomUUID only exists in secure
// contexts, and a booth box is usually reached over plain http on the LAN.
function uuid() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---------------------------------------------------------------- money and time

const digitsCache = new Map();
const moneyFmtCache = new Map();

// minorDigits is the number of minor-unit digits of a currency (EUR 2, JPY 0).
function minorDigits(cur) {
  if (!digitsCache.has(cur)) {
    let d = 2;
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency: cur }).resolvedOptions().maximumFractionDigits;
    } catch {
      // unknown code: assume cents
    }
    digitsCache.set(cur, d);
  }
  return digitsCache.get(cur);
}

function fmtMoney(cents, cur) {
  if (typeof cents !== 'number') return '–';
  const d = minorDigits(cur);
  if (!moneyFmtCache.has(cur)) {
    let f = null;
    try {
      f = new Intl.NumberFormat(undefined, { style: 'currency', currency: cur });
    } catch {
      // fall back below
    }
    moneyFmtCache.set(cur, f);
  }
  const f = moneyFmtCache.get(cur);
  const major = cents / 10 ** d;
  return f ? f.format(major) : `${major.toFixed(d)} ${cur}`;
}

// centsToMajor renders integer minor units as the amount staff type ("5.00").
function centsToMajor(cents, cur) {
  const d = minorDigits(cur);
  return (cents / 10 ** d).toFixed(d);
}

// majorToCents parses what staff typed ("5", "5.5", "5,50") into integer
// minor units without going through floating point. null when invalid or
// not positive.
function majorToCents(text, cur) {
  const d = minorDigits(cur);
  const m = /^\s*(\d{1,9})(?:[.,](\d*))?\s*$/.exec(text);
  if (!m) return null;
  let frac = m[2] || '';
  if (frac.length > d) frac = frac.replace(/0+$/, '');
  if (frac.length > d) return null;
  const cents = Number(m[1]) * 10 ** d + Number(frac.padEnd(d, '0') || '0');
  return cents > 0 ? cents : null;
}

// parseTime returns epoch ms, or NaN for missing and zero times.
function parseTime(s) {
  const t = s ? Date.parse(s) : NaN;
  return t > Date.UTC(2000, 0, 1) ? t : NaN;
}

function fmtDuration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(s / 3600);
  const mm = String(Math.floor(s / 60) % 60).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${hh}:${mm}:${ss}`;
}

function fmtAgo(t, now) {
  if (Number.isNaN(t)) return 'never';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(t).toLocaleString();
}

function fmtClock(s) {
  const t = parseTime(s);
  return new Date(Number.isNaN(t) ? Date.now() : t).toLocaleTimeString([], { hour12: false });
}

function fmtSoc(soc) {
  return Number.isInteger(soc) ? `${soc}%` : `${soc.toFixed(1)}%`;
}

// ---------------------------------------------------------------- token

// readToken takes ?token= from the address (then removes it, so it does not
// linger in history or screenshots) or falls back to localStorage.
function readToken() {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    try {
      localStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // storage disabled: the token lives for this page only
    }
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  try {
    return localStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

function askForToken(message) {
  state.token = '';
  try {
    localStorage.removeItem(TOKEN_KEY);
  } catch {
    // nothing stored
  }
  clearTimeout(state.reconnectTimer);
  if (state.ws) {
    const ws = state.ws;
    state.ws = null;
    ws.close();
  }
  setConn('offline');
  $('#board').hidden = true;
  $('#token-form').hidden = false;
  showMsg($('#token-error'), message);
  $('#token-input').focus();
}

// ---------------------------------------------------------------- messages

function showMsg(el, text) {
  el.textContent = text || '';
  el.hidden = !text;
}

function setConn(s) {
  const el = $('#conn');
  el.dataset.state = s;
  el.textContent = { live: 'live', connecting: 'connecting…', offline: 'offline, retrying' }[s];
}

// ---------------------------------------------------------------- snapshot

async function snapshot() {
  const seq = ++state.reqSeq;
  const [chargers, notices] = await Promise.allSettled([api('GET', '/api/chargers'), api('GET', '/api/notices')]);
  if (chargers.status === 'fulfilled') {
    const list = (chargers.value && chargers.value.chargers) || [];
    const seen = new Set();
    for (const c of list) {
      seen.add(c.chargerId);
      if (isFresh(c.chargerId, seq)) renderCharger(c);
    }
    for (const id of state.cards.keys()) if (!seen.has(id) && isFresh(id, seq)) removeCard(id);
    showMsg($('#board-error'), '');
  } else if (chargers.reason.status !== 401) {
    showMsg($('#board-error'), `Could not load chargers: ${chargers.reason.message}`);
  }
  if (notices.status === 'fulfilled') renderNotices((notices.value && notices.value.notices) || []);
  $('#empty').hidden = state.cards.size > 0;
}

// isFresh records that the answer to request seq is about to be shown for
// charger id, unless a newer request's answer is already on screen.
function isFresh(id, seq) {
  if ((state.applied.get(id) || 0) > seq) return false;
  state.applied.set(id, seq);
  return true;
}

// scheduleRefresh re-reads one charger soon. Events arriving while a
// refresh is pending join it, so a burst of readings costs one request.
function scheduleRefresh(id) {
  if (!id || state.refreshTimers.has(id)) return;
  state.refreshTimers.set(id, setTimeout(() => {
    state.refreshTimers.delete(id);
    refreshCharger(id);
  }, REFRESH_DELAY_MS));
}

async function refreshCharger(id) {
  const seq = ++state.reqSeq;
  try {
    const c = await api('GET', `/api/chargers/${enc(id)}`);
    if (isFresh(id, seq)) renderCharger(c);
  } catch (err) {
    const card = state.cards.get(id);
    if (err.status === 404) {
      if (isFresh(id, seq)) removeCard(id);
    } else if (card && err.status !== 401) {
      showMsg(card.error, `Could not refresh: ${err.message}`);
    }
  }
  $('#empty').hidden = state.cards.size > 0;
}

// ---------------------------------------------------------------- cards

function createCard(id) {
  const el = $('#card-tpl').content.firstElementChild.cloneNode(true);
  const ref = (name) => el.querySelector(`[data-ref="${name}"]`);
  const q = (sel) => el.querySelector(sel);
  el.dataset.charger = id;
  el.setAttribute('aria-label', `Charger ${id}`);
  const card = {
    id,
    el,
    charger: null,
    sessionId: '',
    idemKey: uuid(),
    keyUsed: false, // the key went with a recorded payment; change the form to get a new one
    led: q('[data-led]'),
    soc: q('[data-soc]'),
    socBar: ref('socbar'),
    socFill: ref('socfill'),
    timer: q('[data-timer]'),
    due: q('[data-due]'),
    paid: q('[data-paid]'),
    balance: q('[data-balance]'),
    currency: ref('currency'),
    chargerPresence: q('[data-presence="charger"]'),
    widgetPresence: q('[data-presence="widget"]'),
    lastSeen: ref('lastSeen'),
    overdue: q('[data-overdue]'),
    protocol: ref('protocol'),
    meta: ref('meta'),
    connectors: q('[data-connectors]'),
    error: q('[data-error]'),
    info: q('[data-info]'),
    openBox: ref('open'),
    closedBox: ref('closed'),
    ocppBox: ref('ocpp'),
    waiveRow: ref('waiveRow'),
    amount: q('[data-field="amount"]'),
    reference: q('[data-field="reference"]'),
    waive: q('[data-field="waive"]'),
    widget: q('[data-field="widget"]'),
    unpair: q('[data-action="unpair"]'),
  };
  ref('title').textContent = id;
  for (const btn of el.querySelectorAll('button[data-action]')) {
    btn.setAttribute('aria-label', `${btn.textContent.trim()} (${id})`);
  }
  el.addEventListener('click', (ev) => {
    const btn = ev.target.closest('button[data-action]');
    if (btn && !btn.disabled) onAction(card, btn.dataset.action);
  });
  el.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter') return;
    const field = ev.target.dataset && ev.target.dataset.field;
    const action = { widget: 'pair', waive: 'handback-waive' }[field];
    if (action) onAction(card, action);
  });
  card.amount.addEventListener('input', () => {
    card.amount.dataset.dirty = '1';
    freshKeyIfUsed(card);
  });
  card.reference.addEventListener('input', () => freshKeyIfUsed(card));

  // Keep the grid sorted by charger id, numbers in natural order.
  const cards = $('#cards');
  const next = [...cards.children].find((c) => c.dataset.charger.localeCompare(id, undefined, { numeric: true }) > 0);
  cards.insertBefore(el, next || null);
  state.cards.set(id, card);
  return card;
}

function removeCard(id) {
  const card = state.cards.get(id);
  if (!card) return;
  card.el.remove();
  state.cards.delete(id);
}

function freshKeyIfUsed(card) {
  if (!card.keyUsed) return;
  card.idemKey = uuid();
  card.keyUsed = false;
}

// renderCharger draws one Charger from the API onto its card.
function renderCharger(c) {
  if (!c || !c.chargerId) return;
  const card = state.cards.get(c.chargerId) || createCard(c.chargerId);
  card.charger = c;
  const s = c.session && c.session.state !== 'closed' ? c.session : null;
  const cur = (s && s.currency) || state.currency;
  if (s && s.currency) state.currency = s.currency;

  const status = Object.hasOwn(LED_LABEL, c.status || '') ? c.status : 'none';
  card.led.dataset.status = status;
  card.led.setAttribute('aria-label', `LED ${LED_LABEL[status]}`);

  const soc = typeof c.soc === 'number' ? c.soc : null;
  card.soc.dataset.value = soc === null ? '' : String(soc);
  card.soc.textContent = soc === null ? '–' : fmtSoc(soc);
  card.socFill.style.width = `${soc === null ? 0 : Math.min(100, Math.max(0, soc))}%`;
  card.socFill.dataset.level = status;
  if (soc === null) card.socBar.removeAttribute('aria-valuenow');
  else card.socBar.setAttribute('aria-valuenow', String(soc));

  // A new session gets a clean payment form and a new idempotency key.
  const sid = s ? s.id : '';
  if (sid !== card.sessionId) {
    card.sessionId = sid;
    card.idemKey = uuid();
    card.keyUsed = false;
    delete card.amount.dataset.dirty;
    card.reference.value = '';
    card.waive.value = '';
    card.waiveRow.hidden = true;
  }

  card.due.textContent = s ? fmtMoney(s.amountDueCents, cur) : '–';
  card.paid.textContent = s ? fmtMoney(s.paidCents, cur) : '–';
  card.balance.textContent = s ? fmtMoney(s.balanceCents, cur) : '–';
  card.balance.dataset.cents = s && typeof s.balanceCents === 'number' ? String(s.balanceCents) : '';
  card.balance.classList.toggle('owed', !!s && s.balanceCents > 0);
  card.currency.textContent = s ? `(${cur})` : '';
  // Prefill the amount with the balance unless staff are editing it.
  if (s && !card.amount.dataset.dirty && document.activeElement !== card.amount) {
    const value = s.balanceCents > 0 ? centsToMajor(s.balanceCents, cur) : '';
    if (value !== card.amount.value) {
      card.amount.value = value;
      freshKeyIfUsed(card);
    }
  }
  card.timer.dataset.since = s ? s.openedAt || '' : '';

  setPresence(card.chargerPresence, c.online);
  setPresence(card.widgetPresence, c.widgetId && c.widgetOnline);
  card.widgetPresence.querySelector('[data-ref="widgetId"]').textContent = c.widgetId || 'none';
  if (!c.widgetId) card.widgetPresence.querySelector('b').textContent = '';
  card.lastSeen.dataset.lastSeen = c.lastSeen || '';
  card.el.classList.toggle('is-offline', !c.online);

  const overdue = !!(c.overdue || (s && s.overdue));
  card.el.classList.toggle('is-overdue', overdue);
  card.overdue.hidden = !overdue;

  card.protocol.hidden = !c.protocol;
  card.protocol.textContent = c.protocol || '';
  const meta = c.meta || {};
  const metaText = [meta.vendor, meta.model, meta.firmware && `fw ${meta.firmware}`].filter(Boolean).join(' · ');
  card.meta.hidden = !metaText;
  card.meta.textContent = metaText;
  const conns = Array.isArray(c.connectors) ? c.connectors : [];
  card.connectors.hidden = conns.length === 0;
  card.connectors.replaceChildren(...conns.map((k) => {
    const li = document.createElement('li');
    li.dataset.connector = String(k.connectorId);
    li.dataset.connectorStatus = k.status || '';
    const err = k.errorCode && k.errorCode !== 'NoError' ? ` (${k.errorCode})` : '';
    li.textContent = `Connector ${k.connectorId}: ${k.status || '?'}${err}`;
    return li;
  }));

  card.openBox.hidden = !s;
  card.closedBox.hidden = !!s;
  card.ocppBox.hidden = c.protocol !== 'ocpp1.6';
  card.unpair.hidden = !c.widgetId;
  tickCard(card, Date.now());
}

function setPresence(li, online) {
  li.dataset.state = online ? 'online' : 'offline';
  li.querySelector('b').textContent = online ? 'online' : 'offline';
}

function tickCard(card, now) {
  const since = parseTime(card.timer.dataset.since);
  card.timer.textContent = Number.isNaN(since) ? '–' : fmtDuration(now - since);
  card.lastSeen.textContent = fmtAgo(parseTime(card.lastSeen.dataset.lastSeen), now);
}

function setBusy(card, busy) {
  card.el.toggleAttribute('aria-busy', busy);
  for (const btn of card.el.querySelectorAll('button')) btn.disabled = busy;
}

// ---------------------------------------------------------------- card actions

async function onAction(card, action) {
  const c = card.charger;
  if (!c || card.el.hasAttribute('aria-busy')) return;
  const s = c.session && c.session.state !== 'closed' ? c.session : null;
  const id = enc(card.id);
  showMsg(card.error, '');
  showMsg(card.info, '');
  setBusy(card, true);
  try {
    let done = '';
    switch (action) {
      case 'pay-cash':
      case 'pay-card':
        done = await pay(card, s, action === 'pay-cash' ? 'cash' : 'card');
        break;
      case 'handback':
        done = await handBack(card, s, card.waiveRow.hidden ? '' : card.waive.value.trim());
        break;
      case 'handback-waive': {
        const reason = card.waive.value.trim();
        if (!reason) throw new ApiError(0, 'waive_reason', 'Type why the balance is waived.');
        done = await handBack(card, s, reason);
        break;
      }
      case 'checkin':
        await api('POST', '/api/sessions', { chargerId: card.id });
        done = 'Phone checked in.';
        break;
      case 'pair': {
        const w = card.widget.value.trim();
        if (!ID_RE.test(w)) throw new ApiError(0, 'invalid_widget', 'A widget id is 1–48 letters, digits, ".", "_" or "-".');
        await api('PUT', `/api/pairings/${id}`, { widgetId: w });
        card.widget.value = '';
        done = `Paired with ${w}.`;
        break;
      }
      case 'unpair':
        await api('DELETE', `/api/pairings/${id}`);
        done = 'Widget unpaired.';
        break;
      case 'remote-start':
        done = `Remote start: ${answer(await api('POST', `/api/chargers/${id}/remote-start`, { idTag: 'STAFF', connectorId: 1 }))}`;
        break;
      case 'remote-stop': {
        // The transaction id is only known from the live feed; the server
        // finds the running one itself when it is left out.
        const tx = state.transactions.get(card.id);
        const body = tx === undefined ? {} : { transactionId: tx };
        done = `Remote stop: ${answer(await api('POST', `/api/chargers/${id}/remote-stop`, body))}`;
        break;
      }
      default:
        return;
    }
    showMsg(card.info, done);
  } catch (err) {
    showMsg(card.error, err.message);
  } finally {
    setBusy(card, false);
    scheduleRefresh(card.id);
  }
}

// pay records a payment with the card's idempotency key. The key belongs to
// the form: a double click, or a retry after a lost answer, sends the same
// key and the server counts it once. A new key comes with a new session or
// once the form changes after a recorded payment.
async function pay(card, s, method) {
  if (!s) throw new ApiError(0, 'no_session', 'No open session on this charger.');
  const cur = s.currency || state.currency;
  const cents = majorToCents(card.amount.value, cur);
  if (cents === null) throw new ApiError(0, 'invalid_amount', `Type an amount such as ${centsToMajor(500, cur)}.`);
  const body = { amountCents: cents, method };
  const reference = card.reference.value.trim();
  if (reference) body.reference = reference;
  try {
    await api('POST', `/api/sessions/${enc(s.id)}/payments`, body, { 'Idempotency-Key': card.idemKey });
  } catch (err) {
    // A refusal means nothing was recorded, so the next try is a new
    // payment. After a network error the outcome is unknown: keep the key.
    if (err.status >= 400 && err.status < 500) card.idemKey = uuid();
    throw err;
  }
  card.keyUsed = true;
  delete card.amount.dataset.dirty;
  return `Recorded ${fmtMoney(cents, cur)} ${method}.`;
}

async function handBack(card, s, waiveReason) {
  if (!s) throw new ApiError(0, 'no_session', 'No open session on this charger.');
  try {
    await api('POST', `/api/sessions/${enc(s.id)}/handback`, waiveReason ? { waiveReason } : {});
  } catch (err) {
    if (err.status === 409 && err.code === 'balance_due') {
      card.waiveRow.hidden = false;
      throw new ApiError(err.status, err.code, `${err.message} Take a payment, or give a reason to waive it.`);
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

// ---------------------------------------------------------------- live feed

function connectLive() {
  if (!state.token || state.ws) return;
  clearTimeout(state.reconnectTimer);
  setConn('connecting');
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${scheme}//${location.host}/api/live?token=${enc(state.token)}`);
  state.ws = ws;
  let opened = false;
  let ackTimer = 0;
  ws.onopen = () => {
    opened = true;
    ws.send(JSON.stringify({ action: 'subscribe', chargerId: '*' }));
    // Servers acknowledge with {"type":"subscribed"}; do not hang on one that does not.
    ackTimer = setTimeout(() => goLive(ws), LIVE_WITHOUT_ACK_MS);
  };
  ws.onmessage = (ev) => {
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    onLiveMessage(ws, msg);
  };
  ws.onclose = () => {
    clearTimeout(ackTimer);
    if (state.ws !== ws) return; // replaced or closed on purpose
    state.ws = null;
    setConn('offline');
    // Never opened: maybe the token changed. A snapshot tells (401 asks for a new one).
    if (!opened) snapshot();
    scheduleReconnect();
  };
}

function goLive(ws) {
  if (state.ws !== ws || ws.isLive) return;
  ws.isLive = true;
  state.backoff = BACKOFF_MIN_MS;
  setConn('live');
  snapshot(); // catch up on anything missed before the subscription
}

function scheduleReconnect() {
  if (!state.token) return;
  const delay = state.backoff * (0.75 + Math.random() * 0.5);
  state.backoff = Math.min(state.backoff * 2, BACKOFF_MAX_MS);
  clearTimeout(state.reconnectTimer);
  state.reconnectTimer = setTimeout(connectLive, delay);
}

function onLiveMessage(ws, msg) {
  if (!msg || typeof msg.type !== 'string') return;
  if (msg.type === 'subscribed') return goLive(ws);
  if (msg.type === 'error') {
    const d = msg.data || {};
    addLogLine(new Date().toISOString(), '', 'error', `${d.code || ''} ${d.message || ''}`.trim());
    return;
  }
  goLive(ws); // an event proves the subscription works
  const d = msg.data || {};
  addLogLine(msg.time, msg.chargerId || msg.widgetId, msg.type, describe(msg.type, d, msg));
  switch (msg.type) {
    case 'session.transaction_started':
      state.transactions.set(msg.chargerId, d.transactionId);
      break;
    case 'session.transaction_stopped':
      state.transactions.delete(msg.chargerId);
      break;
    case 'notice.fired':
      showBanner(d.text || '');
      loadNotices();
      break;
    case 'notice.scheduled':
      loadNotices();
      break;
    case 'pairing.set':
    case 'pairing.removed':
      scheduleRefresh(d.chargerId);
      break;
  }
  scheduleRefresh(msg.chargerId);
}

// describe turns an event's data into the short text of a log line.
function describe(type, d, ev) {
  const money = (c) => fmtMoney(c, state.currency);
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
      return `${money(d.amountCents)} ${d.method || ''}${d.reference ? ` ref ${d.reference}` : ''}`;
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

function addLogLine(time, chargerId, type, detail) {
  const li = document.createElement('li');
  li.dataset.type = type;
  const parts = [['time', fmtClock(time)], ['who', chargerId || '—'], ['type', type], ['detail', detail]];
  for (const [cls, text] of parts) {
    const span = document.createElement('span');
    span.className = cls;
    span.textContent = text;
    li.append(span);
  }
  const log = $('#log');
  log.prepend(li);
  while (log.children.length > LOG_MAX) log.lastElementChild.remove();
}

// ---------------------------------------------------------------- notices

function showBanner(text) {
  $('#notice-text').textContent = text;
  $('#notice-banner').hidden = false;
}

async function loadNotices() {
  try {
    const n = await api('GET', '/api/notices');
    renderNotices((n && n.notices) || []);
  } catch {
    // the list is a convenience; the next snapshot retries
  }
}

function renderNotices(list) {
  const ul = $('#notices');
  const sorted = [...list].sort((a, b) => String(a.at).localeCompare(String(b.at)));
  if (sorted.length === 0) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = 'No notices scheduled.';
    ul.replaceChildren(li);
    return;
  }
  ul.replaceChildren(...sorted.map((n) => {
    const li = document.createElement('li');
    li.dataset.notice = n.noticeId || '';
    li.classList.toggle('fired', !!n.fired);
    const when = document.createElement('span');
    when.className = 'when';
    when.textContent = `${n.localTime || n.at} ${n.timeZone || ''}`;
    const text = document.createElement('span');
    text.textContent = n.text || '';
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = n.fired ? 'shown' : 'pending';
    li.append(when, text, badge);
    return li;
  }));
}

function setupNoticeForm() {
  const here = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  let zones = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    // older engine: offer the local zone and UTC
  }
  const select = $('#notice-tz');
  select.replaceChildren(...[...new Set([...zones, here, 'UTC'])].sort().map((z) => new Option(z, z)));
  select.value = here;

  // Default to half an hour from now, in the browser's local time.
  const soon = new Date(Date.now() + 30 * 60000 - new Date().getTimezoneOffset() * 60000);
  $('#notice-at').value = soon.toISOString().slice(0, 16);

  $('#notice-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const err = $('#notice-error');
    showMsg(err, '');
    const body = {
      at: $('#notice-at').value.replace('T', ' ').slice(0, 16), // "YYYY-MM-DD HH:MM"
      timeZone: select.value,
      text: $('#notice-text-input').value.trim(),
    };
    try {
      await api('POST', '/api/notices', body);
      $('#notice-text-input').value = '';
      loadNotices();
    } catch (e) {
      showMsg(err, e.message);
    }
  });
}

// ---------------------------------------------------------------- start

function start() {
  setupNoticeForm();
  $('#notice-dismiss').addEventListener('click', () => {
    $('#notice-banner').hidden = true;
  });
  $('#token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const t = $('#token-input').value.trim();
    if (!t) return;
    try {
      localStorage.setItem(TOKEN_KEY, t);
    } catch {
      // keep it for this page only
    }
    $('#token-input').value = '';
    openBoard(t);
  });
  // Reconnect at once when the network (or the phone's screen) comes back.
  const wake = () => {
    if (state.token && !state.ws) {
      state.backoff = BACKOFF_MIN_MS;
      connectLive();
    }
  };
  window.addEventListener('online', wake);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') wake();
  });
  setInterval(() => {
    const now = Date.now();
    for (const card of state.cards.values()) tickCard(card, now);
  }, 1000);

  const token = readToken();
  if (token) openBoard(token);
  else askForToken('');
}

// openBoard shows the board for token: snapshot first, then the live feed.
async function openBoard(token) {
  state.token = token;
  $('#token-form').hidden = true;
  showMsg($('#token-error'), '');
  $('#board').hidden = false;
  await snapshot();
  connectLive();
}

start();
