// Who is signed in, and what they may do. The server keeps the session in
// an HttpOnly cookie; the page only knows the answer of POST /api/login or
// GET /api/me: {"staff":{"id","name","role"},"roles":[…],"expires":"…"}.
//
// Every control that needs a role carries data-role="staff|lead|ops|admin";
// applyRoles writes the roles the member holds on <body data-roles="…">,
// and the style sheet hides (display: none) every [data-role] the member
// does not hold — also controls a module adds later — so the page shows
// only what they may do. The server checks the same table: hiding is for
// the staff, not the defence.

import { newSession, refusal, request } from './api.js';

const auth = {
  me: null, // the login body while signed in, null otherwise
  listeners: [],
  expiryTimer: 0,
};

/** signedIn reports whether a member is signed in. */
export function signedIn() {
  return !!auth.me;
}

/** member returns the signed-in member {id, name, role}, or null. */
export function member() {
  return auth.me ? auth.me.staff : null;
}

/** can reports whether the signed-in member holds role. */
export function can(role) {
  return !!auth.me && Array.isArray(auth.me.roles) && auth.me.roles.includes(role);
}

/** onAuthChange calls fn(me) whenever the member signs in, out, or their session ends. */
export function onAuthChange(fn) {
  auth.listeners.push(fn);
}

function set(me) {
  const next = me && me.staff ? me : null;
  if ((next && next.staff.id) !== (auth.me && auth.me.staff.id)) newSession();
  auth.me = next;
  clearTimeout(auth.expiryTimer);
  if (auth.me) {
    // At the expiry the server answers 401; ask it then rather than wait
    // for the next request to find out.
    const left = Date.parse(auth.me.expires) - Date.now();
    if (left > 0 && left < 2 ** 31 - 1) auth.expiryTimer = setTimeout(checkSession, left + 1000);
  }
  applyRoles();
  for (const fn of auth.listeners) fn(auth.me);
}

/** applyRoles shows the member's controls and hides the rest (app.css reads body[data-roles]). */
export function applyRoles() {
  document.body.dataset.roles = auth.me && Array.isArray(auth.me.roles) ? auth.me.roles.join(' ') : '';
}

/** allowed reports whether el (or any ancestor) is not denied to the member. */
export function allowed(el) {
  for (let e = el; e; e = e.parentElement) {
    if (e.dataset && e.dataset.role && !can(e.dataset.role)) return false;
  }
  return true;
}

// checkSession asks the server who is signed in; false when nobody is.
export async function checkSession() {
  let res;
  let data;
  try {
    [res, data] = await request('GET', '/api/me');
  } catch {
    return signedIn(); // unreachable: keep what we know, the feed retries
  }
  if (res.ok) {
    set(data);
    return true;
  }
  if (res.status === 401) ended();
  return false;
}

/** ended forgets the member: the server refused the session. */
export function ended() {
  if (auth.me) set(null);
}

// login signs in with {name, pin} or {token}. It resolves to the member and
// throws ApiError: bad_credentials (401), too_many_attempts (429, with
// retryAfter in seconds), or whatever else the server says.
export async function login(credentials) {
  const [res, data, text] = await request('POST', '/api/login', credentials);
  if (res.ok) {
    set(data);
    return auth.me.staff;
  }
  const err = refusal(res, data, text);
  if (res.status === 429) {
    const after = Number.parseInt(res.headers.get('Retry-After') || '', 10);
    err.retryAfter = Number.isFinite(after) ? Math.max(1, after) : 30;
  }
  throw err;
}

// logout ends the session on the server, then here. It throws ApiError
// when the server cannot be reached: the cookie would still be good, so
// the member stays signed in rather than believe they are not. Any answer
// (204, or 401 for a session already over) ends it.
export async function logout() {
  await request('POST', '/api/logout');
  set(null);
}
