// Package httpapi is the staff and ops HTTP edge of chargebooth: the
// /api/ routes of DESIGN.md (chargers, pairings, sessions, payments,
// hand-back, reconciliation, notices, OCPP remote start/stop and every
// other server-initiated OCPP call at /api/chargers/{id}/ocpp/{action},
// validated against the action's schema before it is sent, and the
// charger's OCPP timeline), the /api/live
// WebSocket feed, and /healthz, /readyz, /metrics and the dashboard at /.
//
// Commands go through domain.Service; queries read projections.Board.
// After a successful command a handler waits (bounded) until the board has
// applied the stored events, so its answer and the next GET reflect them.
//
// Rules this package keeps:
//
//   - Every /api/ route needs "Authorization: Bearer <token>" (the live feed
//     also takes ?token=), compared in constant time. An empty configured
//     token refuses everyone.
//   - Errors are JSON {"error":{"code","message"}}. Domain codes map to HTTP
//     in one table (status.go): every invalid_* code and malformed_json is
//     400 (also for well-formed but semantically invalid amounts; this API
//     does not use 422), not_found 404, state conflicts 409,
//     store_unavailable 503, store_full 507, anything else 500 "internal
//     error" (logged).
//   - Request bodies are decoded strictly: at most 64 KiB (413), exactly one
//     JSON object, no unknown fields, amountCents a JSON integer. A
//     Content-Type, when present, must be application/json (415 otherwise);
//     a request without one is accepted as JSON.
package httpapi
