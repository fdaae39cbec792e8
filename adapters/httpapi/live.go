package httpapi

import (
	"net/http"

	"github.com/gorilla/websocket"
)

// live upgrades GET /api/live to the live feed. The token was checked by
// serve (header or ?token=); here the origin is, before the skeleton
// (wsconn) upgrades, registers and serves the socket.
func (a *API) live(w http.ResponseWriter, r *http.Request) {
	if !websocket.IsWebSocketUpgrade(r) {
		writeError(w, http.StatusBadRequest, "websocket_required", "GET /api/live expects a WebSocket upgrade")
		return
	}
	if ok, reason := a.origins.Check(r); !ok {
		// A browser cannot read this answer: the log is where an operator
		// who reaches the booth by a name not in AllowedHosts learns why.
		a.log.Warn("live feed origin refused", "origin", r.Header.Get("Origin"), "host", r.Host, "reason", reason)
		writeError(w, http.StatusForbidden, codeForbiddenOrigin, reason)
		return
	}
	a.hub.edge.ServeHTTP(w, r)
}
