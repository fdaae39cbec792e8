// Who did what, for leads (the box carries data-role="lead"): the last
// day's takings per staff member (the reconciliation's byStaff) and the
// newest events people caused (GET /api/audit). Loaded when the box is
// opened, and again on Refresh.

import { api } from './api.js';
import { can } from './auth.js';
import { $, fmtClock, fmtMoney, showMsg } from './util.js';

const AUDIT_ROWS = 100;

/** initAudit wires the box. */
export function initAudit() {
  const box = $('#audit-box');
  box.addEventListener('toggle', () => {
    if (box.open) loadAudit();
  });
  $('#audit-refresh').addEventListener('click', loadAudit);
}

/** loadAudit re-reads the box when it is open and the member may see it; it empties it otherwise. */
export async function loadAudit() {
  const error = $('#audit-error');
  showMsg(error, '');
  if (!can('lead')) {
    $('#audit-totals').replaceChildren();
    $('#audit-list').replaceChildren();
    return;
  }
  if (!$('#audit-box').open) return;
  try {
    const [audit, rec] = await Promise.all([
      api('GET', `/api/audit?limit=${AUDIT_ROWS}`),
      api('GET', '/api/reports/reconciliation'),
    ]);
    renderTotals((rec && rec.byStaff) || [], (rec && rec.currency) || 'EUR');
    renderRows((audit && audit.events) || []);
  } catch (err) {
    showMsg(error, `Could not load who did what: ${err.message}`);
  }
}

function renderTotals(byStaff, cur) {
  const items = byStaff.map((t) => {
    const li = document.createElement('li');
    li.dataset.staff = t.id || '';
    li.dataset.cents = String(t.totalCents);
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = t.name || t.id || 'no one (devices, older events)';
    const sum = document.createElement('span');
    sum.className = 'sum';
    sum.textContent = `${fmtMoney(t.totalCents, cur)} · ${t.count} payment${t.count === 1 ? '' : 's'}`;
    li.append(name, sum);
    return li;
  });
  if (items.length === 0) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = 'No payments in the last 24 hours.';
    items.push(li);
  }
  $('#audit-totals').replaceChildren(...items);
}

function renderRows(rows) {
  $('#audit-list').replaceChildren(...rows.map((r) => {
    const li = document.createElement('li');
    li.dataset.type = r.type || '';
    li.dataset.actor = (r.actor && r.actor.id) || '';
    const cells = [
      ['time', fmtClock(r.time)],
      ['who', (r.actor && (r.actor.name || r.actor.id)) || '?'],
      ['type', String(r.type || '').replace(/^(session|charger|pairing|widget|notice|device)\./, '').replaceAll('_', ' ')],
      ['detail', [r.chargerId, r.summary].filter(Boolean).join(' · ')],
    ];
    for (const [cls, text] of cells) {
      const span = document.createElement('span');
      span.className = cls;
      span.textContent = text;
      li.append(span);
    }
    return li;
  }));
}
