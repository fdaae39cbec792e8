// Money corrections, till shifts and unclaimed phones.
//
// Each control carries the role it needs (data-role): voids, refunds and
// closing a shift are a lead's; the rest is staff's.
//
// In the side panel (addPanelRenderer): the open session's payments with a
// Void button each (a lead's action, before the phone leaves), a tip
// checkbox and a till picker for the payment form, and a refund form (for
// the open session, or the charger's last session once it was handed
// back). On the board: a "Till shifts" box (open a shift with a float,
// close it by counting, the cash-up as a printable page or CSV) and an
// "Unclaimed phones" box (phones still here at closing time, carried
// over), and a banner when a shift was left open past closing.

import { ApiError, api } from './api.js';
import { signedIn } from './auth.js';
import { onEvent } from './live.js';
import { addPanelRenderer, currentCharger, openPanel } from './panel.js';
import { chargers, currency, openSession, refresh } from './store.js';
import { $, enc, fmtClock, fmtMoney, majorToCents, showMsg } from './util.js';

const POLL_MS = 15000;

let shifts = []; // GET /api/shifts, newest first
let lastClosed = { chargerId: '', session: null }; // the panel's charger's last handed-back session

// ------------------------------------------------------------ the panel

function h(tag, attrs = {}, ...kids) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') n.textContent = v;
    else if (k.startsWith('data-') || k === 'type' || k === 'for' || k === 'placeholder' || k === 'inputmode' || k === 'autocomplete' || k === 'aria-label') n.setAttribute(k, v);
    else n[k] = v;
  }
  n.append(...kids);
  return n;
}

function panelSlot(panelEl) {
  let slot = panelEl.querySelector('[data-slot="money"]');
  if (slot) return slot;
  slot = h('div', { 'data-slot': 'money', className: 'money' });
  const payExtra = h('div', { className: 'row', 'data-ref': 'payExtra' },
    h('label', { className: 'check' }, h('input', { type: 'checkbox', 'data-field': 'tip' }), ' the part above the balance is a tip'),
    h('label', {}, 'Till ', h('select', { 'data-field': 'till', 'aria-label': 'Till' })));
  const pays = h('ul', { className: 'payments', 'data-ref': 'payments' });
  const refund = h('details', { className: 'refund', 'data-ref': 'refund', 'data-role': 'lead' },
    h('summary', { text: 'Refund…' }),
    h('p', { className: 'muted', 'data-ref': 'refundFor' }),
    h('div', { className: 'row' },
      h('label', { className: 'grow' }, 'Amount ', h('input', { 'data-field': 'refund-amount', type: 'text', inputmode: 'decimal', autocomplete: 'off', placeholder: '0.00' })),
      h('label', { className: 'grow' }, 'Reason ', h('input', { 'data-field': 'refund-reason', type: 'text', autocomplete: 'off', placeholder: 'why' }))),
    h('div', { className: 'row' },
      h('button', { type: 'button', 'data-money': 'refund-cash', 'data-role': 'lead', text: 'Refund cash' }),
      h('button', { type: 'button', 'data-money': 'refund-card', 'data-role': 'lead', text: 'Refund card' })));
  const msg = h('p', { className: 'msg', 'data-ref': 'moneyMsg', role: 'alert', hidden: true });
  slot.append(payExtra, pays, refund, msg);
  // The tip and till go with the payment form: put them under it.
  const payRow = panelEl.querySelector('[data-action="pay-cash"]');
  const anchor = payRow ? payRow.closest('.row') : null;
  if (anchor) anchor.after(payExtra);
  const timeline = panelEl.querySelector('.timeline');
  if (timeline) timeline.before(slot);
  else panelEl.append(slot);
  slot.addEventListener('click', (ev) => {
    const btn = ev.target.closest('button[data-money]');
    if (btn && !btn.disabled) onMoney(btn, slot);
  });
  refund.addEventListener('toggle', () => {
    if (refund.open) loadLastClosed(currentCharger());
  });
  return slot;
}

function renderPanel(c, panelEl) {
  const slot = panelSlot(panelEl);
  const s = openSession(c);
  const cur = (s && s.currency) || currency();
  // Till picker: the open shifts; hidden with one or none.
  const open = shifts.filter((x) => x.open);
  const till = panelEl.querySelector('[data-field="till"]');
  const key = open.map((x) => x.till).join(',');
  if (till.dataset.key !== key) {
    till.dataset.key = key;
    const keep = till.value;
    till.replaceChildren(...open.map((x) => new Option(x.till, x.till)));
    if (open.some((x) => x.till === keep)) till.value = keep;
  }
  till.closest('label').hidden = open.length < 2;
  panelEl.querySelector('[data-ref="payExtra"]').hidden = !s;
  // Payments with Void buttons, redrawn when they change.
  const list = slot.querySelector('[data-ref="payments"]');
  const pays = (s && s.payments) || [];
  const sig = (s ? s.id : '') + pays.map((p) => `${p.id}:${p.voided ? 1 : 0}`).join(',');
  if (list.dataset.key !== sig) {
    list.dataset.key = sig;
    list.replaceChildren(...pays.map((p) => {
      const li = h('li', { 'data-payment': p.id, className: p.voided ? 'voided' : '' });
      const tip = p.tipCents ? ` + tip ${fmtMoney(p.tipCents, cur)}` : '';
      li.append(h('span', { text: `${fmtClock(p.time)} ${fmtMoney(p.amountCents, cur)}${tip} ${p.method}` }));
      if (p.voided) li.append(h('span', { className: 'badge', text: `void: ${p.voidReason || ''}` }));
      else li.append(h('button', { type: 'button', className: 'danger small', 'data-money': 'void', 'data-id': p.id, 'data-role': 'lead', text: 'Void' }));
      return li;
    }));
  }
  const refundFor = slot.querySelector('[data-ref="refundFor"]');
  const target = refundTarget(c);
  refundFor.textContent = target
    ? `Session ${target.id}: paid ${fmtMoney(target.paidCents, target.currency || cur)} net${target.state === 'closed' ? ', handed back' : ''}.`
    : 'No session to refund on this charger.';
}

// refundTarget is the open session, else the charger's last one handed back.
function refundTarget(c) {
  const s = openSession(c);
  if (s) return s;
  return lastClosed.chargerId === c.chargerId ? lastClosed.session : null;
}

async function loadLastClosed(id) {
  if (!id) return;
  try {
    const r = await api('GET', `/api/sessions?state=closed&charger=${enc(id)}`);
    const list = (r && r.sessions) || [];
    lastClosed = { chargerId: id, session: list[0] || null };
  } catch {
    lastClosed = { chargerId: id, session: null };
  }
  refresh(id);
}

async function onMoney(btn, slot) {
  const id = currentCharger();
  const c = chargers.get(id);
  const msg = slot.querySelector('[data-ref="moneyMsg"]');
  showMsg(msg, '');
  if (!c) return;
  btn.disabled = true;
  try {
    if (btn.dataset.money === 'void') {
      const s = openSession(c);
      if (!s) throw new ApiError(0, 'no_session', 'The phone left: refund instead.');
      const reason = prompt('Why is this payment void? (a lead may void)');
      if (reason === null) return;
      if (!reason.trim()) throw new ApiError(0, 'reason', 'A void needs a reason.');
      await api('POST', `/api/sessions/${enc(s.id)}/payments/${enc(btn.dataset.id)}/void`, { reason: reason.trim() });
      showMsg(msg, 'Payment voided.');
    } else {
      const target = refundTarget(c);
      if (!target) throw new ApiError(0, 'no_session', 'No session to refund.');
      const cur = target.currency || currency();
      const cents = majorToCents(slot.querySelector('[data-field="refund-amount"]').value, cur);
      if (cents === null) throw new ApiError(0, 'invalid_amount', 'Type the amount to refund.');
      const reason = slot.querySelector('[data-field="refund-reason"]').value.trim();
      if (!reason) throw new ApiError(0, 'reason', 'A refund needs a reason.');
      const body = { amountCents: cents, method: btn.dataset.money === 'refund-cash' ? 'cash' : 'card', reason };
      const till = document.querySelector('#panel [data-field="till"]');
      if (till && till.value && shifts.filter((x) => x.open).length > 1) body.till = till.value;
      const after = await api('POST', `/api/sessions/${enc(target.id)}/refunds`, body);
      if (after && after.state === 'closed') lastClosed = { chargerId: id, session: after };
      slot.querySelector('[data-field="refund-amount"]').value = '';
      slot.querySelector('[data-field="refund-reason"]').value = '';
      showMsg(msg, `Refunded ${fmtMoney(cents, cur)}.`);
    }
  } catch (err) {
    showMsg(msg, err.message);
  } finally {
    btn.disabled = false;
    refresh(id);
  }
}

// ------------------------------------------------------------ the board

function board() {
  let box = $('#money-box');
  if (box) return box;
  const more = $('#board .more') || $('#board');
  box = h('details', { id: 'money-box', className: 'box' },
    h('summary', {}, h('h2', { text: 'Till shifts' })),
    h('form', { id: 'shift-form', className: 'row', 'data-role': 'staff' },
      h('label', {}, 'Till ', h('input', { id: 'shift-till', type: 'text', placeholder: 'main', autocomplete: 'off' })),
      h('label', {}, 'Float ', h('input', { id: 'shift-float', type: 'text', inputmode: 'decimal', placeholder: '100.00', autocomplete: 'off' })),
      h('button', { type: 'submit', 'data-role': 'staff', text: 'Open shift' })),
    h('p', { id: 'shift-msg', className: 'msg', role: 'alert', hidden: true }),
    h('ul', { id: 'shifts' }));
  const unclaimed = h('details', { id: 'unclaimed-box', className: 'box' },
    h('summary', {}, h('h2', {}, 'Unclaimed phones ', h('span', { className: 'badge', id: 'unclaimed-count', text: '0' }))),
    h('table', { id: 'unclaimed' },
      h('thead', {}, h('tr', {}, ...['Session', 'Charger', 'Widget', 'Label', 'Claim code', 'In since', 'Balance', 'Closing'].map((t) => h('th', { text: t })))),
      h('tbody')));
  more.prepend(box, unclaimed);
  const banner = h('div', { id: 'shift-alert', role: 'alert', hidden: true });
  const top = $('#notice-banner');
  if (top) top.after(banner);
  else document.body.prepend(banner);
  $('#shift-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const err = $('#shift-msg');
    showMsg(err, '');
    const body = {};
    const till = $('#shift-till').value.trim();
    if (till) body.till = till;
    const f = $('#shift-float').value.trim();
    if (f) {
      const cents = majorToCents(f, currency());
      if (cents === null) return showMsg(err, 'Type the float such as 100.00.');
      body.floatCents = cents;
    }
    try {
      await api('POST', '/api/shifts', body);
      $('#shift-till').value = '';
      $('#shift-float').value = '';
      loadShifts();
    } catch (e) {
      showMsg(err, e.message);
    }
  });
  $('#shifts').addEventListener('click', onShiftAction);
  $('#unclaimed').addEventListener('click', (ev) => {
    const tr = ev.target.closest('tr[data-charger]');
    if (tr) openPanel(tr.dataset.charger);
  });
  return box;
}

function renderShifts() {
  board();
  const cur = currency();
  const ul = $('#shifts');
  ul.replaceChildren(...shifts.slice(0, 20).map((s) => {
    const li = h('li', { 'data-shift': s.id, 'data-open': String(!!s.open) });
    li.append(h('span', { text: `${s.till} · float ${fmtMoney(s.floatCents, cur)} · ${s.open ? `open since ${fmtClock(s.openedAt)}` : `closed ${fmtClock(s.closedAt)}`}` }));
    if (s.openAtClosing) li.append(h('span', { className: 'badge overdue', text: 'OPEN PAST CLOSING' }));
    if (s.open) {
      li.append(h('label', { 'data-role': 'lead' }, 'Cash counted ', h('input', { 'data-field': 'counted-cash', type: 'text', inputmode: 'decimal', autocomplete: 'off', placeholder: '0.00' })),
        h('label', { 'data-role': 'lead' }, 'Card ', h('input', { 'data-field': 'counted-card', type: 'text', inputmode: 'decimal', autocomplete: 'off', placeholder: 'optional' })),
        h('button', { type: 'button', 'data-shift-action': 'close', 'data-role': 'lead', text: 'Close shift' }));
    }
    li.append(h('button', { type: 'button', 'data-shift-action': 'print', 'data-role': 'staff', text: 'Cash-up' }),
      h('button', { type: 'button', 'data-shift-action': 'csv', 'data-role': 'staff', text: 'CSV' }));
    return li;
  }));
  const late = shifts.filter((s) => s.openAtClosing);
  const banner = $('#shift-alert');
  banner.hidden = late.length === 0;
  banner.textContent = late.length ? `Shift still open past closing time: ${late.map((s) => s.till).join(', ')}. Count the till and close it.` : '';
}

async function onShiftAction(ev) {
  const btn = ev.target.closest('button[data-shift-action]');
  if (!btn) return;
  const li = btn.closest('li[data-shift]');
  const id = li.dataset.shift;
  const err = $('#shift-msg');
  showMsg(err, '');
  try {
    switch (btn.dataset.shiftAction) {
      case 'close': {
        const counted = {};
        const cash = li.querySelector('[data-field="counted-cash"]').value.trim();
        const card = li.querySelector('[data-field="counted-card"]').value.trim();
        if (cash === '') throw new ApiError(0, 'counted', 'Count the cash first.');
        counted.cash = cash === '0' || /^0+([.,]0*)?$/.test(cash) ? 0 : majorToCents(cash, currency());
        if (card) counted.card = /^0+([.,]0*)?$/.test(card) ? 0 : majorToCents(card, currency());
        if (counted.cash === null || counted.card === null) throw new ApiError(0, 'counted', 'Type amounts such as 123.45.');
        const r = await api('POST', `/api/shifts/${enc(id)}/close`, { countedCents: counted });
        const d = r && r.differenceCashCents;
        showMsg(err, `Shift closed. Cash expected ${fmtMoney(r.expectedCashCents, currency())}, difference ${fmtMoney(d, currency())}.`);
        loadShifts();
        break;
      }
      case 'print':
        await openReport(id, 'html');
        break;
      case 'csv':
        await openReport(id, 'csv');
        break;
      default:
    }
  } catch (e) {
    showMsg(err, e.message);
  }
}

// openReport fetches the cash-up (with the session cookie) and opens it:
// the printable page in a new window, the CSV as a download.
async function openReport(id, format) {
  const res = await fetch(`/api/shifts/${enc(id)}/report?format=${format}`, { credentials: 'same-origin', cache: 'no-store' });
  const text = await res.text();
  if (!res.ok) {
    let m = text;
    try {
      m = JSON.parse(text).error.message;
    } catch {
      // not JSON
    }
    throw new ApiError(res.status, 'report', m);
  }
  if (format === 'csv') {
    const a = h('a', { href: URL.createObjectURL(new Blob([text], { type: 'text/csv' })), download: `shift-${id}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    return;
  }
  const w = window.open('', '_blank');
  if (!w) throw new ApiError(0, 'popup', 'Allow pop-ups to print the cash-up.');
  w.document.open();
  w.document.write(text);
  w.document.close();
}

async function loadShifts() {
  try {
    const r = await api('GET', '/api/shifts');
    shifts = (r && r.shifts) || [];
    renderShifts();
    const id = currentCharger();
    if (id) refresh(id);
  } catch {
    // the next poll retries
  }
}

async function loadUnclaimed() {
  board();
  try {
    const r = await api('GET', '/api/sessions?status=unclaimed');
    const list = (r && r.sessions) || [];
    $('#unclaimed-count').textContent = String(list.length);
    $('#unclaimed tbody').replaceChildren(...list.map((s) => h('tr', { 'data-charger': s.chargerId, 'data-session': s.id, tabIndex: 0 },
      ...[s.id, s.chargerId, s.widgetId || '–', s.label || s.customerLabel || '–', s.claimCode || '–', fmtClock(s.openedAt),
        fmtMoney(s.balanceCents, s.currency || currency()), s.unclaimedNight || ''].map((t) => h('td', { text: t })))));
  } catch {
    // the next poll retries
  }
}

function poll() {
  if (!signedIn() || $('#board').hidden) return;
  loadShifts();
  loadUnclaimed();
}

addPanelRenderer(renderPanel);
onEvent((msg) => {
  if (typeof msg.type !== 'string') return;
  if (msg.type.startsWith('shift.')) loadShifts();
  if (msg.type === 'session.unclaimed' || msg.type === 'session.handed_back') loadUnclaimed();
  if (msg.type === 'session.unclaimed') loadShifts(); // the closing passed: flag shifts left open
  if (msg.type === 'session.handed_back' && msg.chargerId === currentCharger()) loadLastClosed(msg.chargerId);
});
setInterval(poll, POLL_MS);
setTimeout(poll, 500);
