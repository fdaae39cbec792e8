// The client-side copy of the server's read model: one Charger (as
// GET /api/chargers returns it) per id. Views never mutate it; they
// subscribe and are told, once per animation frame, which chargers changed.

import { api, ApiError } from './api.js';
import { enc } from './util.js';

const REFRESH_DELAY_MS = 150;

/** chargers maps a charger id to its latest Charger from the API. */
export const chargers = new Map();

const dirty = new Set();
const listeners = [];
let frame = 0;
let reqSeq = 0; // numbers every read, so a stale answer never overwrites a newer one
const applied = new Map(); // chargerId -> reqSeq of the answer in chargers
const refreshTimers = new Map();
let lastCurrency = 'EUR';

/** currency is the last currency seen on a session. */
export function currency() {
  return lastCurrency;
}

/** onChange calls fn(ids, removed) once per frame with the chargers that changed. */
export function onChange(fn) {
  listeners.push(fn);
}

const removedIds = new Set();

function markDirty(id) {
  dirty.add(id);
  if (!frame) frame = requestAnimationFrame(flush);
}

function flush() {
  frame = 0;
  const ids = [...dirty];
  const removed = [...removedIds];
  dirty.clear();
  removedIds.clear();
  for (const fn of listeners) fn(ids, removed);
}

/** openSession returns the charger's session unless it is closed. */
export function openSession(c) {
  return c && c.session && c.session.state !== 'closed' ? c.session : null;
}

// Buckets, in the order a busy booth acts on them.
export const BUCKETS = ['ready', 'overdue', 'owing', 'charging', 'free'];

/** bucket classifies a charger by what it needs from staff. */
export function bucket(c) {
  const s = openSession(c);
  if (!s) return 'free';
  if (c.status === 'charged') return 'ready';
  if (c.overdue || s.overdue) return 'overdue';
  if (s.balanceCents > 0) return 'owing';
  return 'charging';
}

/** isOverdue reports whether the phone waits too long for pick-up. */
export function isOverdue(c) {
  const s = openSession(c);
  return !!(c.overdue || (s && s.overdue));
}

function put(c) {
  if (!c || !c.chargerId) return;
  const s = openSession(c);
  if (s && s.currency) lastCurrency = s.currency;
  chargers.set(c.chargerId, c);
  markDirty(c.chargerId);
}

function drop(id) {
  if (!chargers.delete(id)) return;
  removedIds.add(id);
  if (!frame) frame = requestAnimationFrame(flush);
}

function isFresh(id, seq) {
  if ((applied.get(id) || 0) > seq) return false;
  applied.set(id, seq);
  return true;
}

/** loadAll takes a snapshot of every charger; it throws ApiError. */
export async function loadAll() {
  const seq = ++reqSeq;
  const data = await api('GET', '/api/chargers');
  const seen = new Set();
  for (const c of (data && data.chargers) || []) {
    seen.add(c.chargerId);
    if (isFresh(c.chargerId, seq)) put(c);
  }
  for (const id of [...chargers.keys()]) if (!seen.has(id) && isFresh(id, seq)) drop(id);
}

/** refresh re-reads one charger soon; calls while one is pending join it. */
export function refresh(id) {
  if (!id || refreshTimers.has(id)) return;
  refreshTimers.set(id, setTimeout(async () => {
    refreshTimers.delete(id);
    const seq = ++reqSeq;
    try {
      const c = await api('GET', `/api/chargers/${enc(id)}`);
      if (isFresh(id, seq)) put(c);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404 && isFresh(id, seq)) drop(id);
    }
  }, REFRESH_DELAY_MS));
}

// applyReading patches a reading from the live feed into the charger, so a
// reading costs no request. The event is the server's: soc and status are
// what the projection folds. Anything a reading cannot tell (a new session,
// money) comes with its own event and a refresh.
export function applyReading(id, soc, status, time) {
  const c = chargers.get(id);
  if (!c) {
    refresh(id);
    return;
  }
  const lastSeen = time || c.lastSeen;
  if (c.soc === soc && c.status === status && c.lastSeen === lastSeen) return;
  const next = { ...c, soc, status, lastSeen };
  const s = openSession(c);
  if (s) next.session = { ...s, soc, status };
  if (s && status === 'charged' && c.status !== 'charged') refresh(id); // chargedAt, balance
  chargers.set(id, next);
  markDirty(id);
}

/** touch marks a charger changed without new data (a clock tick). */
export function touch(id) {
  if (chargers.has(id)) markDirty(id);
}
