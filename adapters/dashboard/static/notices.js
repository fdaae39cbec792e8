// Scheduled notices: the banner when one fires, the list and the form.

import { api } from './api.js';
import { onEvent } from './live.js';
import { $, showMsg } from './util.js';

/** initNotices wires the banner, the list and the form. */
export function initNotices() {
  $('#notice-dismiss').addEventListener('click', () => {
    $('#notice-banner').hidden = true;
  });
  onEvent((msg) => {
    if (msg.type === 'notice.fired') {
      $('#notice-text').textContent = (msg.data && msg.data.text) || '';
      $('#notice-banner').hidden = false;
    }
    if (msg.type === 'notice.fired' || msg.type === 'notice.scheduled') loadNotices();
  });
  setupForm();
}

/** loadNotices re-reads the list; the list is a convenience, so errors are quiet. */
export async function loadNotices() {
  try {
    const n = await api('GET', '/api/notices');
    renderNotices((n && n.notices) || []);
  } catch {
    // the next snapshot retries
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

function setupForm() {
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
