package httpapi

import (
	"net/http"
	"net/url"
	"strings"

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
	if !a.originAllowed(r) {
		writeError(w, http.StatusForbidden, codeForbiddenOrigin, "this origin may not open the live feed")
		return
	}
	a.hub.edge.ServeHTTP(w, r)
}

// originAllowed accepts requests without an Origin (not a browser), from
// the request's own host, or from an origin in Config.AllowedOrigins.
func (a *API) originAllowed(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	return a.origins[normalizeOrigin(o)]
}

func normalizeOrigins(list []string) map[string]bool {
	out := make(map[string]bool, len(list))
	for _, o := range list {
		if o = normalizeOrigin(o); o != "" {
			out[o] = true
		}
	}
	return out
}

func normalizeOrigin(o string) string {
	return strings.TrimRight(strings.ToLower(strings.TrimSpace(o)), "/")
}
