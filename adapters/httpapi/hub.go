package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/chargebooth/chargebooth/adapters/wsconn"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/gorilla/websocket"
)

// hub fans applied events out to the live-feed clients, held by the
// wsconn skeleton (keyed by connection number: no device id, no replace).
// publish runs on the board's goroutine under its lock: it only enqueues,
// never blocks, and drops a client whose queue is full.
type hub struct {
	log  *slog.Logger
	edge *wsconn.Edge[*client]
}

// codeShuttingDown refuses a live-feed upgrade once the API is closing.
const codeShuttingDown = "shutting_down"

func newHub(log *slog.Logger) *hub {
	h := &hub{log: log}
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
			c := newClient(ws)
			if p, ok := principalFrom(r.Context()); ok {
				c.actor, c.session = p.Actor.ID, p.session
				if p.session != "" && p.left > 0 {
					c.expiry = time.AfterFunc(p.left, func() { c.drop(websocket.ClosePolicyViolation, "session expired") })
				}
			}
			return c, c.serve
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

// item is one message to send. An event is encoded once, lazily, by the
// first writer that sends it, and shared by every client.
type item struct {
	event *domain.Event
	once  sync.Once
	b     []byte
	err   error
}

func rawItem(b []byte) *item {
	it := &item{b: b}
	it.once.Do(func() {})
	return it
}

func (it *item) bytes() ([]byte, error) {
	it.once.Do(func() { it.b, it.err = json.Marshal(it.event) })
	return it.b, it.err
}

// broadcast reports whether an event goes to every client whatever it
// subscribed to.
func broadcast(typ string) bool {
	return strings.HasPrefix(typ, "notice.") || strings.HasPrefix(typ, "pairing.")
}

// publish is the board listener. A quarantined event (its payload breaks
// the domain's rules) is not sent: the dashboard would fold it as genuine.
func (h *hub) publish(u projections.Update) {
	if o, ok := u.Event.Data.(domain.Opaque); ok && o.Quarantined() {
		return
	}
	if strings.HasPrefix(u.Event.Type, "staff.") {
		return // credentials' hashes are no one's business
	}
	all := broadcast(u.Event.Type)
	var it *item
	h.edge.Range(func(c *client) {
		if !all && !c.wants(u.Event.ChargerID) {
			return
		}
		if it == nil {
			e := u.Event // copied only when a client wants it
			it = &item{event: &e}
		}
		c.enqueue(it)
	})
}

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

// closeAll disconnects every client (close 1001) and refuses new ones.
func (h *hub) closeAll() { h.edge.Close() }

// count returns the number of connected clients.
func (h *hub) count() int { return h.edge.Len() }

// serve runs one client until it goes: the writer on a goroutine of its
// own, the reader on the skeleton's.
func (c *client) serve(context.Context) string {
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		c.writeLoop()
	}()
	c.readLoop()
	<-wrote
	return c.reason()
}

// Close implements wsconn.Session: the client goes with close 1001 and
// the reason.
func (c *client) Close(reason string) { c.drop(websocket.CloseGoingAway, reason) }
