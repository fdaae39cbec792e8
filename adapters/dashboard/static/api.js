// The staff API client: one fetch wrapper. The page holds no credential of
// its own: the server's HttpOnly session cookie (set by POST /api/login)
// goes with every same-origin request and with the live feed's WebSocket,
// so no token ever sits in a URL, in storage or in a script's reach.

/** ApiError is a refused or failed request; status 0 means the server was unreachable. */
export class ApiError extends Error {
  constructor(status, code, message, role = '') {
    super(message);
    this.status = status;
    this.code = code;
    // role is the role a 403 names as needed ('' otherwise).
    this.role = role;
  }
}

let onUnauthorized = () => {};

// generation counts sign-ins and sign-outs: a 401 to a request sent
// under an earlier session (answered after someone signed in again)
// says nothing about the current one.
let generation = 0;

/** newSession marks a sign-in or sign-out (auth.js calls it). */
export function newSession() {
  generation++;
}

/** onUnauthorizedCall sets fn() to run when the server answers 401 (no session, or it ended). */
export function onUnauthorizedCall(fn) {
  onUnauthorized = fn;
}

let onForbidden = () => {};

/** onForbiddenCall sets fn() to run when the server answers 403 (the member's role may have changed). */
export function onForbiddenCall(fn) {
  onForbidden = fn;
}

// OLD_TOKEN_KEY is where earlier dashboards kept the staff token.
const OLD_TOKEN_KEY = 'chargebooth.token';

// forgetOldToken removes what earlier dashboards left behind: a staff
// token in localStorage or sessionStorage, or in the address (a "token"
// query parameter). The token is never used: signing in is the only way in.
export function forgetOldToken() {
  for (const store of ['localStorage', 'sessionStorage']) {
    try {
      window[store].removeItem(OLD_TOKEN_KEY);
    } catch {
      // storage disabled: nothing kept there either
    }
  }
  const url = new URL(location.href);
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
}

// request sends one request and returns [status, decoded JSON body or
// null, response]. A network failure throws ApiError with status 0.
export async function request(method, path, body, headers = {}) {
  const init = {
    method,
    cache: 'no-store',
    credentials: 'same-origin',
    headers: { Accept: 'application/json', ...headers },
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the server.');
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text for the error message
  }
  return [res, data, text];
}

// refusal turns a refused answer into an ApiError carrying the server's
// {"error":{"code","message"}} (and, for 403, the role it needs).
export function refusal(res, data, text) {
  const e = (data && data.error) || {};
  let message = e.message || text.trim() || res.statusText;
  if (res.status === 403 && e.role && !message.includes(e.role)) message = `${message.replace(/\.$/, '')} (needs the ${e.role} role)`;
  if (!/[.!?]$/.test(message)) message += '.';
  return new ApiError(res.status, e.code || `http_${res.status}`, message, e.role || '');
}

// api sends one request and returns the decoded JSON body (or null).
// Failures throw ApiError; a 401 also tells onUnauthorized, which asks
// staff to sign in again, and a 403 naming a role tells onForbidden, which
// re-reads the member's roles (an admin may have changed them).
export async function api(method, path, body, headers = {}) {
  const gen = generation;
  const [res, data, text] = await request(method, path, body, headers);
  if (res.ok) return data;
  if (res.status === 401) {
    if (gen === generation) onUnauthorized();
    throw new ApiError(401, 'unauthorized', 'Not signed in: sign in again, then try once more.');
  }
  const err = refusal(res, data, text);
  if (res.status === 403 && err.role && gen === generation) onForbidden();
  throw err;
}
