package httpapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/websocket"
)

// live upgrades GET /api/live to the live feed. The token was checked by
// serve (header or ?token=); here the origin is.
func (a *API) live(w http.ResponseWriter, r *http.Request) {
	if !websocket.IsWebSocketUpgrade(r) {
		writeError(w, http.StatusBadRequest, "websocket_required", "GET /api/live expects a WebSocket upgrade")
		return
	}
	if !a.originAllowed(r) {
		writeError(w, http.StatusForbidden, codeForbiddenOrigin, "this origin may not open the live feed")
		return
	}
	up := websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 4096,
		CheckOrigin:     func(*http.Request) bool { return true }, // checked above
		Error: func(w http.ResponseWriter, _ *http.Request, status int, reason error) {
			writeError(w, status, "websocket_handshake", reason.Error())
		},
	}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // the Upgrader answered
	}
	a.hub.serve(conn)
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
