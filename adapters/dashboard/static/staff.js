// Staff management, for admins only (the box carries data-role="admin"):
// the staff list, a form that adds a member, and a button per member that
// disables (DELETE /api/staff/{id}: their token and sessions stop at once)
// or enables them again. The new member's personal token is shown once,
// to hand over, and wiped from the page after a while; the server keeps
// only its hash.

import { api } from './api.js';
import { can, member } from './auth.js';
import { $, enc, showMsg } from './util.js';

const TOKEN_SHOWN_MS = 120000;
let tokenTimer = 0;

/** initStaff wires the staff box. */
export function initStaff() {
  $('#staff-form').addEventListener('submit', onAdd);
  $('#staff-token-hide').addEventListener('click', hideToken);
  $('#staff-list').addEventListener('click', async (ev) => {
    const btn = ev.target.closest('button[data-staff-action]');
    if (!btn || btn.disabled) return;
    const li = btn.closest('[data-staff]');
    const error = $('#staff-error');
    showMsg(error, '');
    btn.disabled = true;
    try {
      const id = enc(li.dataset.staff);
      if (btn.dataset.staffAction === 'disable') await api('DELETE', `/api/staff/${id}`);
      else await api('PATCH', `/api/staff/${id}`, { enabled: true });
    } catch (err) {
      showMsg(error, err.message);
    } finally {
      btn.disabled = false;
      loadList();
    }
  });
}

/** loadStaff re-reads the staff list when the member may manage staff. */
export async function loadStaff() {
  hideToken();
  showMsg($('#staff-error'), '');
  if (!can('admin')) {
    $('#staff-list').replaceChildren();
    return;
  }
  await loadList();
}

async function loadList() {
  try {
    const data = await api('GET', '/api/staff');
    render((data && (data.staff || data.members)) || []);
  } catch (err) {
    showMsg($('#staff-error'), `Could not load the staff list: ${err.message}`);
  }
}

function render(list) {
  const ul = $('#staff-list');
  const sorted = [...list].sort((a, b) => String(a.name).localeCompare(String(b.name)));
  ul.replaceChildren(...sorted.map((m) => {
    const li = document.createElement('li');
    li.dataset.staff = m.id || '';
    li.classList.toggle('disabled', m.enabled === false);
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = m.name || m.id || '?';
    const role = document.createElement('span');
    role.className = 'badge role';
    role.dataset.memberRole = m.role || '';
    role.textContent = m.role || '';
    li.append(name, role);
    if (m.enabled === false) {
      const off = document.createElement('span');
      off.className = 'badge';
      off.textContent = 'disabled';
      li.append(off);
    }
    if (m.hasPin === false) {
      const nopin = document.createElement('span');
      nopin.className = 'badge';
      nopin.textContent = 'token only';
      li.append(nopin);
    }
    const me = member();
    if (!me || me.id !== m.id) { // nobody locks themselves out from here
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.dataset.role = 'admin';
      const off = m.enabled === false;
      btn.dataset.staffAction = off ? 'enable' : 'disable';
      btn.textContent = off ? 'Enable' : 'Disable';
      btn.className = off ? '' : 'danger';
      btn.setAttribute('aria-label', `${off ? 'Enable' : 'Disable'} ${m.name || m.id}`);
      li.append(btn);
    }
    return li;
  }));
}

async function onAdd(ev) {
  ev.preventDefault();
  const error = $('#staff-error');
  showMsg(error, '');
  const name = $('#staff-name').value.trim();
  const role = $('#staff-role').value;
  const pin = $('#staff-pin').value.trim();
  if (!name) {
    showMsg(error, 'Type the new member’s name.');
    return;
  }
  const body = { name, role };
  if (pin) body.pin = pin;
  try {
    const res = await api('POST', '/api/staff', body);
    $('#staff-name').value = '';
    $('#staff-pin').value = '';
    showToken(name, (res && res.token) || '');
    loadList();
  } catch (err) {
    showMsg(error, err.message);
  }
}

function showToken(name, token) {
  if (!token) return;
  $('#staff-token-for').textContent = name;
  $('#staff-token').textContent = token;
  $('#staff-token-box').hidden = false;
  clearTimeout(tokenTimer);
  tokenTimer = setTimeout(hideToken, TOKEN_SHOWN_MS);
}

function hideToken() {
  clearTimeout(tokenTimer);
  $('#staff-token').textContent = '';
  $('#staff-token-box').hidden = true;
}
