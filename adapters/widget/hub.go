package widget

import (
	"encoding/json"
	"sync"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

// Observer hears what the widget edge does, for metrics.
type Observer interface {
	Connected(delta int)
	Sent()
	Dropped()
}

type nopObserver struct{}

func (nopObserver) Connected(int) {}
func (nopObserver) Sent()         {}
func (nopObserver) Dropped()      {}

// frames holds the three status frames, encoded once.
type frames map[domain.Status][]byte

func newFrames(event string) frames {
	f := frames{}
	for _, st := range []domain.Status{domain.StatusCharging, domain.StatusCharging80, domain.StatusCharged} {
		b, _ := json.Marshal(struct {
			Event string `json:"event"`
			Data  struct {
				Status domain.Status `json:"status"`
			} `json:"data"`
		}{Event: event, Data: struct {
			Status domain.Status `json:"status"`
		}{st}})
		f[st] = b
	}
	return f
}

// hub maps widget ids to their live socket.
type hub struct {
	mu    sync.RWMutex // guards conns
	conns map[string]*conn
	obs   Observer
	fr    frames
}

// listen is the board listener: it runs under the board's lock and only
// enqueues.
func (h *hub) listen(u projections.Update) {
	if !u.SendStatus || u.WidgetID == "" || u.Status == domain.StatusNone {
		return
	}
	h.mu.RLock()
	c := h.conns[u.WidgetID]
	h.mu.RUnlock()
	if c != nil {
		c.offer(h.fr[u.Status])
	}
}

func (h *hub) swap(id string, c *conn) *conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	old := h.conns[id]
	h.conns[id] = c
	return old
}

func (h *hub) remove(id string, c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conns[id] == c {
		delete(h.conns, id)
	}
}

func (h *hub) all() []*conn {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]*conn, 0, len(h.conns))
	for _, c := range h.conns {
		out = append(out, c)
	}
	return out
}
