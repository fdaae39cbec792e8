// The board: one compact tile per charger, sorted by what needs action (or
// by id), filtered by the status chips and the search box. Tiles are built
// once and updated in place, and only the tiles whose charger changed are
// touched, once per animation frame.

import { BUCKETS, bucket, chargers, currency, isOverdue, onChange, openSession } from './store.js';
import { $, LED_LABEL, fmtMoney, fmtMoneyShort, fmtSoc, ledStatus, setData, setText } from './util.js';

const SORT_EVERY_MS = 1000;
const HOLD_AFTER_POINTER_MS = 1500;
const HOLD_AFTER_KEY_MS = 3000;
const collator = new Intl.Collator(undefined, { numeric: true });

const tiles = new Map(); // chargerId -> tile
const view = { sort: 'action', filter: 'all', matches: null }; // matches(charger) -> bool, from the search box
let needSort = false;
let holdUntil = 0; // the pointer is over the board: do not move tiles under it
let openTile = () => {};

/** initTiles wires the board; open(chargerId) is called when a tile is chosen. */
export function initTiles(open) {
  openTile = open;
  const grid = $('#tiles');
  grid.addEventListener('click', (ev) => {
    const tile = ev.target.closest('[data-charger]');
    if (tile) openTile(tile.dataset.charger);
  });
  // Tiles do not move under the pointer, nor while staff walk them with the keyboard.
  const hold = (ms) => () => {
    holdUntil = Math.max(holdUntil, performance.now() + ms);
  };
  grid.addEventListener('pointermove', hold(HOLD_AFTER_POINTER_MS));
  grid.addEventListener('focusin', hold(HOLD_AFTER_KEY_MS));
  grid.addEventListener('keydown', hold(HOLD_AFTER_KEY_MS));
  grid.addEventListener('keydown', onGridKey);
  for (const chip of document.querySelectorAll('#filters [data-filter]')) {
    chip.addEventListener('click', () => setFilter(chip.dataset.filter));
  }
  $('#sort').addEventListener('change', (ev) => {
    view.sort = ev.target.value;
    needSort = true;
    sortNow();
  });
  onChange(render);
  setInterval(() => {
    if (needSort && performance.now() >= holdUntil) sortNow();
  }, SORT_EVERY_MS);
}

/** setMatcher filters tiles by fn(charger) (null: no filter) and returns the visible ids. */
export function setMatcher(fn) {
  view.matches = fn;
  return applyVisibility();
}

/** tileFor returns the tile element of a charger. */
export function tileFor(id) {
  const t = tiles.get(id);
  return t ? t.el : null;
}

function setFilter(f) {
  view.filter = f;
  for (const chip of document.querySelectorAll('#filters [data-filter]')) {
    chip.setAttribute('aria-pressed', String(chip.dataset.filter === f));
  }
  applyVisibility();
}

function createTile(id) {
  const el = $('#tile-tpl').content.firstElementChild.cloneNode(true);
  const q = (sel) => el.querySelector(sel);
  el.dataset.charger = id;
  const t = {
    el,
    led: q('[data-led]'),
    soc: q('[data-soc]'),
    balance: q('[data-balance]'),
    widget: q('[data-presence="widget"]'),
    overdue: q('[data-overdue]'),
    label: '',
  };
  q('[data-ref="id"]').textContent = id;
  tiles.set(id, t);
  $('#tiles').append(el);
  needSort = true;
  return t;
}

function render(ids, removed) {
  for (const id of removed) {
    const t = tiles.get(id);
    if (t) t.el.remove();
    tiles.delete(id);
  }
  const first = tiles.size === 0 && ids.length > 0;
  for (const id of ids) {
    const c = chargers.get(id);
    if (c) renderTile(tiles.get(id) || createTile(id), c);
  }
  if (first) sortNow();
  updateCounts();
  $('#empty').hidden = tiles.size > 0;
}

function renderTile(t, c) {
  const s = openSession(c);
  const cur = (s && s.currency) || currency();
  const status = ledStatus(c.status);
  const soc = typeof c.soc === 'number' ? c.soc : null;
  const overdue = isOverdue(c);
  const b = bucket(c);
  const widgetState = !c.widgetId ? 'none' : c.widgetOnline ? 'online' : 'offline';

  setData(t.led, 'status', status);
  setData(t.soc, 'value', soc === null ? '' : String(soc));
  setText(t.soc, soc === null ? '–' : fmtSoc(soc));
  setData(t.balance, 'cents', s ? String(s.balanceCents) : '');
  setText(t.balance, s ? (s.balanceCents > 0 ? fmtMoneyShort(s.balanceCents, cur) : 'paid') : 'free');
  setData(t.balance, 'owed', String(!!s && s.balanceCents > 0));
  setData(t.widget, 'state', widgetState);
  setData(t.el, 'online', String(!!c.online));
  if (t.overdue.hidden === overdue) t.overdue.hidden = !overdue;
  setData(t.el, 'overdue', String(overdue));
  if (t.el.dataset.bucket !== b) {
    t.el.dataset.bucket = b;
    needSort = true;
  }
  if (c.widgetId !== t.el.dataset.widget) setData(t.el, 'widget', c.widgetId || '');

  const label = [
    `Charger ${c.chargerId}`,
    `LED ${LED_LABEL[status]}`,
    soc === null ? 'no reading' : fmtSoc(soc),
    s ? `balance ${fmtMoney(s.balanceCents, cur)}` : 'no session',
    c.online ? 'online' : 'offline',
    c.widgetId ? `widget ${c.widgetId} ${widgetState}` : 'no widget',
    overdue ? 'overdue' : '',
  ].filter(Boolean).join(', ');
  if (label !== t.label) {
    t.label = label;
    t.el.setAttribute('aria-label', label);
  }
  const hide = !visible(c, b);
  if (t.el.hidden !== hide) t.el.hidden = hide;
}

function visible(c, b) {
  if (view.matches && !view.matches(c)) return false;
  switch (view.filter) {
    case 'all':
      return true;
    case 'offline':
      return !c.online;
    case 'overdue':
      return isOverdue(c);
    default:
      return b === view.filter;
  }
}

function applyVisibility() {
  const shown = [];
  for (const [id, t] of tiles) {
    const c = chargers.get(id);
    const hide = !c || !visible(c, t.el.dataset.bucket);
    if (t.el.hidden !== hide) t.el.hidden = hide;
    if (!hide) shown.push(id);
  }
  shown.sort(collator.compare);
  return shown;
}

function updateCounts() {
  const n = { all: 0, offline: 0, overdue: 0 };
  for (const k of BUCKETS) n[k] = 0;
  for (const [id, t] of tiles) {
    const c = chargers.get(id);
    if (!c) continue;
    n.all++;
    n[t.el.dataset.bucket]++;
    if (!c.online) n.offline++;
    if (isOverdue(c) && t.el.dataset.bucket !== 'overdue') n.overdue++;
  }
  for (const chip of document.querySelectorAll('#filters [data-filter]')) {
    setText(chip.querySelector('[data-count]'), String(n[chip.dataset.filter] || 0));
  }
}

function rank(t) {
  if (view.sort === 'id') return 0;
  const i = BUCKETS.indexOf(t.el.dataset.bucket);
  // Among phones ready for pick-up, the overdue ones first.
  return i * 2 + (t.el.dataset.overdue === 'true' ? 0 : 1);
}

// sortNow puts the tiles in order, moving only those out of place, and
// keeps the keyboard focus where it was.
function sortNow() {
  needSort = false;
  const grid = $('#tiles');
  const list = [...tiles.entries()].map(([id, t]) => ({ id, t, r: rank(t) }));
  list.sort((a, b) => a.r - b.r || collator.compare(a.id, b.id));
  const focused = document.activeElement;
  let node = grid.firstElementChild;
  for (const { t } of list) {
    if (node === t.el) {
      node = node.nextElementSibling;
      continue;
    }
    grid.insertBefore(t.el, node);
  }
  if (focused && focused !== document.activeElement && grid.contains(focused)) focused.focus({ preventScroll: true });
}

// onGridKey moves the focus between tiles with the arrow keys, Home and End.
function onGridKey(ev) {
  const tile = ev.target.closest('[data-charger]');
  if (!tile) return;
  const all = [...$('#tiles').children].filter((el) => !el.hidden);
  const i = all.indexOf(tile);
  if (i < 0) return;
  const top = tile.offsetTop;
  const cols = Math.max(1, all.findIndex((el) => el.offsetTop !== all[0].offsetTop));
  const perRow = all.every((el) => el.offsetTop === top) ? all.length : cols;
  const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: perRow, ArrowUp: -perRow, Home: -i, End: all.length - 1 - i }[ev.key];
  if (step === undefined) return;
  ev.preventDefault();
  const next = all[Math.min(all.length - 1, Math.max(0, i + step))];
  if (next) next.focus();
}
