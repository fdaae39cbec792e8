// Claim tickets in the dashboard: the label at check-in, the claim code
// and "Print ticket" in the panel, the claim (widget scan or claim code)
// and a lead's override at hand-back, and search by claim code and label.
// It fills the panel's slots through addPanelRenderer and addRequestFields
// and the search box through addMatcher and addResolver.

import { ApiError, api } from './api.js';
import { addPanelRenderer, addRequestFields, currentCharger } from './panel.js';
import { addMatcher, addResolver } from './search.js';
import { chargers, openSession, refresh } from './store.js';
import { $, enc, setText, showMsg } from './util.js';

const CLAIM_RE = /^[2-9A-HJKMNP-TV-Z]{6}$/;

/** claimKey normalises typed text as a claim code would be ('k7m-4px' → 'K7M4PX'). */
export function claimKey(text) {
  return String(text || '').replace(/[\s-]/g, '').toUpperCase();
}

let lastSession = '';

function render(c, el) {
  const s = openSession(c);
  const slot = el.querySelector('[data-slot="ticket"]');
  slot.hidden = !s || !s.claimCode;
  setText(el.querySelector('[data-ref="claimCode"]'), s && s.claimCode ? `${s.claimCode.slice(0, 3)} ${s.claimCode.slice(3)}` : '');
  el.querySelector('[data-ref="claimCode"]').dataset.code = (s && s.claimCode) || '';
  setText(el.querySelector('[data-ref="label"]'), s && s.label ? `· ${s.label}` : '');
  const sid = s ? s.id : '';
  if (sid !== lastSession) {
    lastSession = sid;
    for (const f of ['claim', 'override', 'label']) {
      const input = el.querySelector(`[data-field="${f}"]`);
      input.value = '';
      input.removeAttribute('aria-invalid');
    }
    el.querySelector('details.override').open = false;
  }
}

// claimFields turns the claim box into the request's claim: the session's
// own widget or anything shaped like a claim code goes as what it looks
// like; anything else as a scanned widget (which the server refuses when
// it is not this session's).
function claimFields(s, el) {
  const text = el.querySelector('[data-field="claim"]').value.trim();
  if (!text) return {};
  if (s && s.widgetId && text === s.widgetId) return { widgetId: text };
  if (CLAIM_RE.test(claimKey(text))) return { claimCode: claimKey(text) };
  return { widgetId: text };
}

function labelFields(_c, el) {
  const label = el.querySelector('[data-field="label"]').value.trim();
  return label ? { label } : {};
}

// printTicket shows the session's ticket (fetched with the session cookie)
// in a dialog whose frame prints it.
async function printTicket(s) {
  const res = await fetch(`/tickets/${enc(s.id)}`, { credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) throw new ApiError(res.status, 'ticket', `The ticket could not be loaded (${res.status}).`);
  const html = await res.text();
  const dialog = $('#ticket-dialog');
  const frame = $('#ticket-frame');
  frame.srcdoc = html;
  dialog.showModal();
}

async function override(s, el) {
  const reason = el.querySelector('[data-field="override"]').value.trim();
  if (!reason) throw new ApiError(0, 'override_reason', 'Say how the owner was checked (“ID checked: passport”).');
  const waive = el.querySelector('[data-field="waive"]').value.trim();
  const body = { overrideReason: reason };
  if (waive) body.waiveReason = waive;
  await api('POST', `/api/sessions/${enc(s.id)}/handback-override`, body);
  return 'Handed back on a lead’s override.';
}

function init() {
  const panel = $('#panel');
  addPanelRenderer(render);
  addRequestFields('checkin', labelFields);
  addRequestFields('handback', claimFields);
  panel.querySelector('[data-field="claim"]').addEventListener('input', (ev) => ev.target.removeAttribute('aria-invalid'));
  panel.addEventListener('click', async (ev) => {
    const btn = ev.target.closest('button[data-ticket-action]');
    if (!btn) return;
    const c = chargers.get(currentCharger());
    const s = openSession(c);
    const error = panel.querySelector('[data-error]');
    const info = panel.querySelector('[data-info]');
    showMsg(error, '');
    showMsg(info, '');
    try {
      if (!s) throw new ApiError(0, 'no_session', 'No open session on this charger.');
      if (btn.dataset.ticketAction === 'print') await printTicket(s);
      if (btn.dataset.ticketAction === 'override') showMsg(info, await override(s, panel));
    } catch (err) {
      showMsg(error, err.message);
    } finally {
      if (c) refresh(c.chargerId);
    }
  });
  const dialog = $('#ticket-dialog');
  dialog.addEventListener('click', (ev) => {
    const btn = ev.target.closest('button[data-ticket-action]');
    if (!btn) return;
    if (btn.dataset.ticketAction === 'do-print') $('#ticket-frame').contentWindow.print();
    if (btn.dataset.ticketAction === 'close') dialog.close();
  });

  addMatcher((c, q) => {
    const s = openSession(c);
    if (!s) return false;
    const key = claimKey(q);
    return (key.length >= 3 && !!s.claimCode && s.claimCode.includes(key)) || (!!s.label && s.label.toLowerCase().includes(q));
  });
  // A typed or scanned claim code opens its session; when two open
  // sessions share one (two instances drew it at once), the one opened
  // first.
  addResolver((q) => {
    const key = claimKey(q);
    if (!CLAIM_RE.test(key)) return '';
    let best = null;
    for (const c of chargers.values()) {
      const s = openSession(c);
      if (s && s.claimCode === key && (!best || s.seq < best.s.seq)) best = { c, s };
    }
    return best ? best.c.chargerId : '';
  });
}

init();
