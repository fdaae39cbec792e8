// OCPP charger controls in the side panel: reset (soft or hard, after a
// confirmation), availability, unlock, trigger a status or meter values,
// the configuration (read every key with GetConfiguration, change one with
// ChangeConfiguration) and the charger's latest OCPP calls with their
// answers. Every control goes through POST /api/chargers/{id}/ocpp/{action}
// and is marked data-role="ops".

import { api } from './api.js';
import { onEvent } from './live.js';
import { addPanelRenderer, currentCharger } from './panel.js';
import { enc, fmtClock, showMsg } from './util.js';

const state = { id: '', busy: false, pending: '', timelineTimer: 0, seq: 0 };
let root = null;
const q = (sel) => root.querySelector(sel);

/** initOCPP wires the controls into the side panel. */
export function initOCPP() {
  root = document.getElementById('ocpp-controls');
  if (!root) return;
  root.addEventListener('click', (ev) => {
    const btn = ev.target.closest('button[data-ocpp]');
    if (btn && !btn.disabled) onControl(btn.dataset.ocpp, btn);
  });
  addPanelRenderer((c) => {
    const wasHidden = root.hidden;
    root.hidden = c.protocol !== 'ocpp1.6';
    if (wasHidden && !root.hidden && state.id === c.chargerId) scheduleTimeline(0);
    if (state.id !== c.chargerId) {
      state.id = c.chargerId;
      state.pending = '';
      q('[data-ref="ocppConfirm"]').hidden = true;
      q('[data-config-rows]').replaceChildren();
      q('table.config').hidden = true;
      showMsg(q('[data-config-unknown]'), '');
      showMsg(q('[data-ocpp-error]'), '');
      showMsg(q('[data-ocpp-info]'), '');
      q('#ocpp-timeline').replaceChildren();
      scheduleTimeline(0);
    }
  });
  onEvent((msg) => {
    if (msg.chargerId === currentCharger() && typeof msg.type === 'string' && msg.type.startsWith('ocpp.')) scheduleTimeline();
  });
}

// call sends one OCPP call for the panel's charger and returns its result.
async function call(action, payload) {
  const r = await api('POST', `/api/chargers/${enc(state.id)}/ocpp/${enc(action)}`, payload);
  return (r && r.result) || {};
}

function connector(min) {
  const v = Number(q('[data-field="ocpp-connector"]').value);
  if (!Number.isInteger(v) || v < min) throw new Error(`Connector must be a whole number of ${min} or more.`);
  return v;
}

async function onControl(what, btn) {
  const id = state.id;
  if (!id || state.busy) return;
  const error = q('[data-ocpp-error]');
  const info = q('[data-ocpp-info]');
  showMsg(error, '');
  showMsg(info, '');
  if (what === 'reset-soft' || what === 'reset-hard') {
    state.pending = what === 'reset-soft' ? 'Soft' : 'Hard';
    q('[data-ref="ocppConfirmText"]').textContent = state.pending === 'Hard'
      ? `Hard reset ${id}? It restarts at once and ends any transaction.`
      : `Soft reset ${id}? It stops transactions and restarts its software.`;
    q('[data-ref="ocppConfirm"]').hidden = false;
    q('[data-ocpp="cancel"]').focus();
    return;
  }
  if (what === 'cancel') {
    state.pending = '';
    q('[data-ref="ocppConfirm"]').hidden = true;
    return;
  }
  setBusy(true);
  try {
    let done = '';
    switch (what) {
      case 'confirm': {
        const type = state.pending;
        state.pending = '';
        q('[data-ref="ocppConfirm"]').hidden = true;
        if (!type) return;
        done = `${type} reset: ${status(await call('Reset', { type }))}`;
        break;
      }
      case 'operative':
      case 'inoperative': {
        const type = what === 'operative' ? 'Operative' : 'Inoperative';
        const connectorId = connector(0);
        done = `${connectorId === 0 ? 'Charger' : `Connector ${connectorId}`} ${type.toLowerCase()}: ${status(await call('ChangeAvailability', { connectorId, type }))}`;
        break;
      }
      case 'unlock': {
        const connectorId = connector(1);
        done = `Unlock connector ${connectorId}: ${status(await call('UnlockConnector', { connectorId }))}`;
        break;
      }
      case 'trigger-status':
      case 'trigger-meter': {
        const requestedMessage = what === 'trigger-status' ? 'StatusNotification' : 'MeterValues';
        const body = { requestedMessage };
        const v = Number(q('[data-field="ocpp-connector"]').value);
        if (Number.isInteger(v) && v >= 1) body.connectorId = v;
        done = `Trigger ${requestedMessage}: ${status(await call('TriggerMessage', body))}`;
        break;
      }
      case 'get-config':
        renderConfig(await call('GetConfiguration', {}));
        done = 'Configuration read.';
        break;
      case 'set-config': {
        const row = btn.closest('tr');
        const key = row.dataset.key;
        const value = row.querySelector('input').value;
        const cell = row.querySelector('[data-config-status]');
        cell.textContent = '…';
        try {
          const st = status(await call('ChangeConfiguration', { key, value }));
          cell.textContent = st;
          done = `${key}: ${st}`;
        } catch (err) {
          cell.textContent = 'failed';
          throw err;
        }
        break;
      }
      default:
        return;
    }
    if (state.id === id) showMsg(info, done);
  } catch (err) {
    if (state.id === id) showMsg(error, err.message);
  } finally {
    setBusy(false);
    scheduleTimeline();
  }
}

function status(result) {
  if (result && typeof result.status === 'string') return result.status;
  return JSON.stringify(result);
}

function setBusy(busy) {
  state.busy = busy;
  root.toggleAttribute('aria-busy', busy);
  for (const b of root.querySelectorAll('button[data-ocpp]')) b.disabled = busy;
}

// renderConfig fills the table from a GetConfiguration result: read-only
// keys as text, the others as a field with a Save button.
function renderConfig(result) {
  const keys = Array.isArray(result.configurationKey) ? [...result.configurationKey] : [];
  keys.sort((a, b) => String(a.key).localeCompare(String(b.key)));
  const rows = keys.map((k) => {
    const tr = document.createElement('tr');
    tr.dataset.key = k.key;
    const name = document.createElement('td');
    name.textContent = k.key;
    const value = document.createElement('td');
    const action = document.createElement('td');
    const st = document.createElement('span');
    st.dataset.configStatus = '';
    if (k.readonly) {
      value.textContent = k.value ?? '';
      st.textContent = 'read-only';
      action.append(st);
    } else {
      const input = document.createElement('input');
      input.type = 'text';
      input.maxLength = 500;
      input.value = k.value ?? '';
      input.setAttribute('aria-label', k.key);
      value.append(input);
      const save = document.createElement('button');
      save.type = 'button';
      save.dataset.ocpp = 'set-config';
      save.dataset.role = 'ops';
      save.textContent = 'Save';
      action.append(save, ' ', st);
    }
    tr.append(name, value, action);
    return tr;
  });
  q('[data-config-rows]').replaceChildren(...rows);
  q('table.config').hidden = rows.length === 0;
  const unknown = Array.isArray(result.unknownKey) ? result.unknownKey : [];
  showMsg(q('[data-config-unknown]'), rows.length === 0 ? 'The charger reported no keys.' : unknown.length ? `Unknown: ${unknown.join(', ')}` : '');
}

// ---------------------------------------------------------------- calls

function scheduleTimeline(delay = 300) {
  if (!state.id) return;
  clearTimeout(state.timelineTimer);
  state.timelineTimer = setTimeout(loadTimeline, delay);
}

async function loadTimeline() {
  const id = state.id;
  if (!id || root.hidden) return;
  const seq = ++state.seq;
  try {
    const r = await api('GET', `/api/chargers/${enc(id)}/timeline`);
    if (seq !== state.seq || id !== state.id) return;
    renderTimeline((r && r.timeline) || []);
  } catch {
    // the panel's own refresh shows connection trouble
  }
}

// renderTimeline shows one line per call, newest first: what was sent, by
// whom, and what the charger answered.
function renderTimeline(events) {
  const calls = new Map();
  const items = [];
  for (const e of events) {
    const d = e.data || {};
    if (e.type === 'ocpp.call_sent') {
      const item = { time: e.time, action: d.action, payload: d.payload, actor: e.actor, origin: d.origin, outcome: 'sent', text: 'no answer yet' };
      calls.set(d.uniqueId, item);
      items.push(item);
      continue;
    }
    if (e.type === 'ocpp.configuration_applied') {
      const parts = (d.results || []).map((r) => `${r.key}=${r.want}: ${r.status}${r.error ? ` (${r.error})` : ''}`);
      items.push({ time: e.time, action: 'Boot configuration', outcome: 'config', text: parts.join('; ') });
      continue;
    }
    const item = calls.get(d.uniqueId);
    if (!item) continue;
    switch (e.type) {
      case 'ocpp.call_answered':
        if (d.errorCode) {
          item.outcome = 'error';
          item.text = `CALLERROR ${d.errorCode}${d.errorDescription ? `: ${d.errorDescription}` : ''}`;
        } else {
          item.outcome = d.violation ? 'error' : 'answered';
          item.text = d.result ? JSON.stringify(d.result) : `${d.resultBytes || 0} bytes`;
          if (d.violation) item.text += ` (invalid: ${d.violation})`;
        }
        item.text += ` in ${d.durationMs} ms`;
        break;
      case 'ocpp.call_timed_out':
        item.outcome = 'timeout';
        item.text = `no answer within ${d.durationMs} ms`;
        break;
      case 'ocpp.call_failed':
        item.outcome = 'error';
        item.text = d.reason || 'failed';
        break;
      default:
    }
  }
  const lis = items.reverse().map((it) => {
    const li = document.createElement('li');
    li.dataset.action = it.action || '';
    li.dataset.outcome = it.outcome;
    const time = document.createElement('span');
    time.className = 'time';
    time.textContent = fmtClock(it.time);
    const who = it.actor ? ` by ${it.actor.name || it.actor.id}` : it.origin === 'boot-config' ? ' (boot configuration)' : '';
    const sent = it.payload && Object.keys(it.payload).length ? ` ${JSON.stringify(it.payload)}` : '';
    li.append(time, `${it.action}${sent}${who} → ${it.text}`);
    return li;
  });
  q('#ocpp-timeline').replaceChildren(...lis);
}
