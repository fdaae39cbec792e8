package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/chargebooth/chargebooth/adapters/livefeed"
	"github.com/chargebooth/chargebooth/adapters/wsconn"
	"github.com/gorilla/websocket"
)

// hub holds the live-feed clients in the wsconn skeleton (keyed by
// connection number: no device id, no replace); each client reads its
// messages from a livefeed.Sub of feed.
type hub struct {
	log  *slog.Logger
	feed *livefeed.Feed
	edge *wsconn.Edge[*client]
	// revoked, when set, says why a client admitted as actor (with its
	// session's or its member token's hash) may no longer stay, "" when it may:
	// checked once the client is registered, since a revocation applied
	// between its admission and its registration found nothing to close.
	revoked func(actor, session, token string) string
}

// codeShuttingDown refuses a live-feed upgrade once the API is closing.
const codeShuttingDown = "shutting_down"

// wsconnShutdown is the close reason of a client that came as the feed
// shut down.
const wsconnShutdown = wsconn.ReasonShutdown

func newHub(log *slog.Logger, feed *livefeed.Feed) *hub {
	h := &hub{log: log, feed: feed}
	h.edge = wsconn.New(wsconn.Config[*client]{
		Kind: "live client",
		Upgrader: websocket.Upgrader{
			ReadBufferSize:  1024,
			WriteBufferSize: 4096,
			CheckOrigin:     func(*http.Request) bool { return true }, // checked by API.live
			Error: func(w http.ResponseWriter, _ *http.Request, status int, reason error) {
				writeError(w, status, "websocket_handshake", reason.Error())
			},
		},
		Refuse: func(w http.ResponseWriter, status int, reason string) {
			writeError(w, status, codeShuttingDown, reason)
		},
		Open: func(_ string, ws *websocket.Conn, r *http.Request) (*client, func(context.Context) string) {
			c := newClient(ws, h.feed)
			if p, ok := principalFrom(r.Context()); ok {
				c.actor, c.session, c.token = p.Actor.ID, p.session, p.token
				if p.session != "" && p.left > 0 {
					c.expiry = time.AfterFunc(p.left, func() { c.drop(websocket.ClosePolicyViolation, "session expired") })
				}
			}
			return c, c.serve
		},
		OnOpen: func(c wsconn.Conn[*client], _ *http.Request) {
			if h.revoked == nil {
				return
			}
			if why := h.revoked(c.Session.actor, c.Session.session, c.Session.token); why != "" {
				c.Session.drop(websocket.ClosePolicyViolation, why)
			}
		},
		OnClose: func(c wsconn.Conn[*client], reason string) {
			if c.Session.expiry != nil {
				c.Session.expiry.Stop()
			}
			h.log.Debug("live client gone", "remote", c.Session.conn.RemoteAddr().String(), "reason", reason)
		},
	})
	return h
}

// closeAll disconnects every client (close 1001) and refuses new ones.
func (h *hub) closeAll() { h.edge.Close() }

// count returns the number of connected clients.
func (h *hub) count() int { return h.edge.Len() }

// closeActor disconnects every client of a staff member (close 1008).
func (h *hub) closeActor(id, reason string) {
	h.edge.Range(func(c *client) {
		if c.actor == id {
			c.drop(websocket.ClosePolicyViolation, reason)
		}
	})
}

// closeSession disconnects every client that came with a session
// (by the cookie's hash).
func (h *hub) closeSession(hash, reason string) {
	h.edge.Range(func(c *client) {
		if c.session == hash {
			c.drop(websocket.ClosePolicyViolation, reason)
		}
	})
}
