package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/chargebooth/chargebooth/adapters/wsconn"
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

// originPolicy builds the live feed's origin check from cfg: the
// request's own origin (on a trusted Host) and AllowedOrigins. An entry
// that is not an origin is logged and the policy falls back to same-origin
// only: a typo never opens the feed wider.
func originPolicy(cfg Config, log *slog.Logger) *wsconn.OriginPolicy {
	c := wsconn.OriginConfig{What: "open the live feed", SameOrigin: true, Allowed: cfg.AllowedOrigins,
		Hosts: cfg.AllowedHosts, TrustForwardedProto: cfg.TrustForwardedProto}
	p, err := wsconn.NewOriginPolicy(c)
	if err != nil {
		log.Error("httpapi: live feed origins: only the server's own origin is allowed", "err", err)
		c.Allowed, c.Hosts = nil, nil
		p, _ = wsconn.NewOriginPolicy(c)
	}
	return p
}
