// The staff API client: one fetch wrapper carrying the staff token.

const TOKEN_KEY = 'chargebooth.token';

/** ApiError is a refused or failed request; status 0 means the server was unreachable. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let token = '';
let onUnauthorized = () => {};

/** getToken returns the staff token in use ('' when none). */
export function getToken() {
  return token;
}

/** setToken sets the token for later requests and remembers it (or forgets it when empty). */
export function setToken(t) {
  token = t;
  try {
    if (t) localStorage.setItem(TOKEN_KEY, t);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: the token lives for this page only
  }
}

/** onUnauthorizedCall sets what happens when the server refuses the token. */
export function onUnauthorizedCall(fn) {
  onUnauthorized = fn;
}

// readToken takes ?token= from the address (then removes it, so it does not
// linger in history or screenshots) or falls back to localStorage.
export function readToken() {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  try {
    return localStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

// api sends one request with the staff token and returns the decoded JSON
// body (or null). Failures throw ApiError carrying the server's
// {"error":{"code","message"}}.
export async function api(method, path, body, headers = {}) {
  const init = {
    method,
    cache: 'no-store',
    headers: { Accept: 'application/json', Authorization: `Bearer ${token}`, ...headers },
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
  if (res.ok) return data;
  const e = (data && data.error) || {};
  if (res.status === 401) onUnauthorized(e.message || 'The server refused the token.');
  throw new ApiError(res.status, e.code || `http_${res.status}`, e.message || text.trim() || res.statusText);
}
