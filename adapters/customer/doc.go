// Package customer is the customer's page of a session: /c/{token}, the
// link on the printed ticket. No login: the token (128 random bits, see
// domain.ParseCustomerToken) is the credential, and it shows that one
// session only — the LED colour, the charge, the time charging, what is
// owed, "ready for pick-up", and after hand-back when it was collected and
// nothing else. It reads the board (projections.Board.SessionByToken) and
// pushes changes over server-sent events (/c/{token}/events); the page
// reconnects by itself, across a server restart too.
//
// An unknown or malformed token is 404 with nothing in the body but that;
// an address that keeps missing is refused 429 (a per-address token
// bucket of misses, x/time/rate) before any lookup, so tokens cannot be
// guessed at speed. Tokens never reach a log: log lines name a session by
// the first characters of the token's hash.
package customer
