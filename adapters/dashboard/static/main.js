// chargebooth booth dashboard: the entry module.
//
// Data flow: a REST snapshot first (GET /api/chargers, GET /api/notices),
// then the /api/live WebSocket (live.js). Readings are patched into the
// store from their events; any other event re-reads its charger, and a
// snapshot every 10 s (and after every reconnection) catches up on the
// rest. Views (tiles.js, panel.js) hear of changes once per animation
// frame and touch only what changed.

import { onUnauthorizedCall, readToken, setToken } from './api.js';
import { connectLive, setConn, snapshot, startLive, stopLive } from './live.js';
import { initNotices, loadNotices } from './notices.js';
import { initOCPP } from './ocpp.js';
import { closePanel, initPanel, openPanel } from './panel.js';
import { initSearch } from './search.js';
import { initTiles } from './tiles.js';
import './money.js'; // voids, refunds, till shifts, unclaimed phones
import './tickets.js';
import { $, showMsg } from './util.js';

function askForToken(message) {
  setToken('');
  stopLive();
  closePanel();
  $('#board').hidden = true;
  $('#token-form').hidden = false;
  showMsg($('#token-error'), message);
  $('#token-input').focus();
}

// openBoard shows the board for token: snapshot first, then the live feed.
let started = false;
async function openBoard(token) {
  setToken(token);
  $('#token-form').hidden = true;
  showMsg($('#token-error'), '');
  $('#board').hidden = false;
  setConn('connecting');
  await Promise.all([snapshot(), loadNotices()]);
  if (started) {
    connectLive();
    return;
  }
  started = true;
  startLive((text) => showMsg($('#board-error'), text));
}

function start() {
  onUnauthorizedCall(askForToken);
  initTiles(openPanel);
  initPanel();
  initOCPP();
  initSearch(openPanel);
  initNotices();
  $('#token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const t = $('#token-input').value.trim();
    if (!t) return;
    $('#token-input').value = '';
    openBoard(t);
  });
  const token = readToken();
  if (token) openBoard(token);
  else askForToken('');
}

start();
