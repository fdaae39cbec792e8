package httpapi

import (
	"encoding/json"
	"log/slog"
	"strings"
	"sync"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/gorilla/websocket"
)

// hub fans applied events out to the live-feed clients. publish runs on
// the board's goroutine under its lock: it only enqueues, never blocks,
// and drops a client whose queue is full.
type hub struct {
	log *slog.Logger

	mu      sync.Mutex // guards clients and closed
	clients map[*client]struct{}
	closed  bool
}

func newHub(log *slog.Logger) *hub {
	return &hub{log: log, clients: map[*client]struct{}{}}
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

// publish is the board listener.
func (h *hub) publish(u projections.Update) {
	all := broadcast(u.Event.Type)
	var it *item
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		if !all && !c.wants(u.Event.ChargerID) {
			continue
		}
		if it == nil {
			e := u.Event // copied only when a client wants it
			it = &item{event: &e}
		}
		c.enqueue(it)
	}
}

func (h *hub) add(c *client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.clients[c] = struct{}{}
	return true
}

func (h *hub) remove(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
}

// closeAll disconnects every client and refuses new ones.
func (h *hub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for c := range h.clients {
		c.drop(websocket.CloseGoingAway, "server shutting down")
	}
}

// count returns the number of connected clients.
func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

// serve runs one client until it goes: the writer in its own goroutine,
// the reader here.
func (h *hub) serve(conn *websocket.Conn) {
	c := newClient(conn)
	if !h.add(c) {
		c.drop(websocket.CloseGoingAway, "server shutting down")
		c.writeLoop()
		return
	}
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		c.writeLoop()
	}()
	c.readLoop()
	h.remove(c)
	<-wrote
	h.log.Debug("live client gone", "remote", conn.RemoteAddr().String(), "reason", c.reason())
}
