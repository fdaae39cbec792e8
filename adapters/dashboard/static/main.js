// chargebooth booth dashboard: the entry module.
//
// Signing in: GET /api/me tells whether the browser holds a session
// cookie; without one the sign-in form (name + PIN, or a personal token)
// posts to /api/login, and the server sets an HttpOnly cookie that goes
// with every request and the live feed. Any 401 later (the session
// expired, was signed out elsewhere, or the member was disabled) brings
// the form back over the board, which keeps its state, so the member
// signs in again and carries on. Signing out clears the board.
//
// Data flow: a REST snapshot first (GET /api/chargers, GET /api/notices),
// then the /api/live WebSocket (live.js). Readings are patched into the
// store from their events; any other event re-reads its charger, and a
// snapshot every 10 s (and after every reconnection) catches up on the
// rest. Views (tiles.js, panel.js) hear of changes once per animation
// frame and touch only what changed.

import { forgetOldToken, onForbiddenCall, onUnauthorizedCall } from './api.js';
import { initAudit, loadAudit } from './audit.js';
import { checkSession, ended, login, logout, member, onAuthChange } from './auth.js';
import { connectLive, setConn, snapshot, startLive, stopLive } from './live.js';
import { initNotices, loadNotices } from './notices.js';
import { initOCPP } from './ocpp.js';
import { closePanel, initPanel, openPanel, resetPanel } from './panel.js';
import { initSearch } from './search.js';
import { initStaff, loadStaff } from './staff.js';
import { initTiles } from './tiles.js';
import './money.js'; // voids, refunds, till shifts, unclaimed phones
import './tickets.js';
import { $, showMsg } from './util.js';

const EXPIRED = 'Your session has ended (it expired, was signed out, or the account was disabled). Sign in again to carry on.';

const page = {
  started: false, // the live feed's loop runs
  lastMember: '', // id of the member whose board is on screen
  lastName: '', // their name, offered again when their session ends
  signingOut: false,
  throttledUntil: 0,
  throttleTimer: 0,
};

// showLogin asks for credentials. keep leaves the board (and an open
// panel) behind the form, so a member whose session expired carries on
// where they were; otherwise the board is cleared.
function showLogin(reason, keep) {
  stopLive();
  const board = $('#board');
  if (!keep) {
    closePanel();
    resetPanel();
    board.hidden = true;
    page.lastMember = '';
    page.lastName = '';
    setMode('pin'); // the next one at the counter most likely signs in with a PIN
    loadAudit(); // nobody signed in: empties what a lead or an admin saw
    loadStaff();
  } else if (page.lastName && !$('#login-name').value) {
    $('#login-name').value = page.lastName; // the same member, most likely: just the PIN
  }
  board.inert = true;
  $('#panel').inert = true;
  $('#who').hidden = true;
  $('#login').hidden = false;
  showMsg($('#login-reason'), reason);
  const form = $('#login-form');
  const first = form.dataset.mode === 'token' ? $('#login-token') : $('#login-name').value ? $('#login-pin') : $('#login-name');
  first.focus();
}

// openBoard shows the board for the signed-in member: snapshot first,
// then the live feed.
async function openBoard() {
  const me = member();
  if (page.lastMember && page.lastMember !== me.id) {
    // Someone else signs in on this screen: nothing of the last member's stays open.
    closePanel();
    resetPanel();
  }
  page.lastMember = me.id;
  page.lastName = me.name || '';
  $('#login').hidden = true;
  showMsg($('#login-error'), '');
  showMsg($('#login-reason'), '');
  $('#board').hidden = false;
  $('#board').inert = false;
  $('#panel').inert = false;
  setConn('connecting');
  await Promise.all([snapshot(), loadNotices(), loadStaff(), loadAudit()]);
  if (page.started) {
    connectLive();
    return;
  }
  page.started = true;
  startLive((text) => showMsg($('#board-error'), text));
}

// showMember writes the signed-in member into the header.
function showMember(me) {
  const who = $('#who');
  if (!me) {
    who.hidden = true;
    return;
  }
  $('#who-name').textContent = me.staff.name || me.staff.id;
  const role = $('#who-role');
  role.textContent = me.staff.role || '';
  role.dataset.memberRole = me.staff.role || '';
  who.hidden = false;
}

function setMode(mode) {
  const form = $('#login-form');
  form.dataset.mode = mode;
  const token = mode === 'token';
  $('#login-pin-fields').hidden = token;
  $('#login-token-fields').hidden = !token;
  $('#login-mode').textContent = token ? 'Sign in with name and PIN instead' : 'Sign in with a token instead';
  showMsg($('#login-error'), '');
  (token ? $('#login-token') : $('#login-name')).focus();
}

// throttle keeps the form shut while the server refuses sign-ins (429),
// counting down.
function throttle(seconds) {
  page.throttledUntil = Date.now() + seconds * 1000;
  const submit = $('#login-submit');
  const tick = () => {
    const left = Math.ceil((page.throttledUntil - Date.now()) / 1000);
    if (left <= 0) {
      submit.disabled = false;
      showMsg($('#login-error'), 'You can try again now.');
      return;
    }
    submit.disabled = true;
    showMsg($('#login-error'), `Too many sign-in attempts from this device. Try again in ${left} s.`);
    page.throttleTimer = setTimeout(tick, 1000);
  };
  clearTimeout(page.throttleTimer);
  tick();
}

async function onLogin(ev) {
  ev.preventDefault();
  if (Date.now() < page.throttledUntil) return;
  const form = $('#login-form');
  const error = $('#login-error');
  const byToken = form.dataset.mode === 'token';
  let credentials;
  if (byToken) {
    const token = $('#login-token').value.trim();
    if (!token) {
      showMsg(error, 'Type or paste your personal token.');
      return;
    }
    credentials = { token };
  } else {
    const name = $('#login-name').value.trim();
    const pin = $('#login-pin').value.trim();
    if (!name || !pin) {
      showMsg(error, 'Type your name and your PIN.');
      (name ? $('#login-pin') : $('#login-name')).focus();
      return;
    }
    credentials = { name, pin };
  }
  const submit = $('#login-submit');
  submit.disabled = true;
  showMsg(error, '');
  try {
    await login(credentials);
  } catch (err) {
    submit.disabled = false;
    $('#login-pin').value = '';
    if (err.status === 429) {
      throttle(err.retryAfter);
      return;
    }
    if (err.status === 401) {
      showMsg(error, byToken ? 'That token is not valid (unknown, replaced, or the account is disabled).'
        : 'That name and PIN do not match an active staff member.');
    } else {
      showMsg(error, `Could not sign in: ${err.message}`);
    }
    (byToken ? $('#login-token') : $('#login-pin')).focus();
    return;
  }
  submit.disabled = false;
  // No credential stays in the page once it did its job.
  $('#login-pin').value = '';
  $('#login-token').value = '';
  $('#login-name').value = '';
  openBoard();
}

async function onSignOut() {
  const btn = $('#sign-out');
  btn.disabled = true;
  page.signingOut = true;
  try {
    await logout();
    showLogin('', false);
  } catch (err) {
    showMsg($('#board-error'), `Could not sign out: ${err.message} You are still signed in.`);
  } finally {
    page.signingOut = false;
    btn.disabled = false;
  }
}

async function start() {
  forgetOldToken();
  onAuthChange((me) => {
    showMember(me);
    // The session ended under the page (the expiry, or a 401 answer).
    if (!me && !page.signingOut && $('#login').hidden) showLogin(EXPIRED, true);
  });
  onUnauthorizedCall(() => ended());
  onForbiddenCall(() => checkSession()); // the page then shows only what the role now allows
  initTiles(openPanel);
  initPanel();
  initOCPP();
  initSearch(openPanel);
  initNotices();
  initStaff();
  initAudit();
  $('#login-form').addEventListener('submit', onLogin);
  $('#login-mode').addEventListener('click', () => setMode($('#login-form').dataset.mode === 'token' ? 'pin' : 'token'));
  $('#sign-out').addEventListener('click', onSignOut);
  if (await checkSession()) openBoard();
  else showLogin('', false);
}

start();
