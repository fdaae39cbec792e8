package widget

import (
	"encoding/json"

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

// listen is the board listener: it runs under the board's lock and only
// enqueues to the paired widget's socket.
func (s *Server) listen(u projections.Update) {
	if !u.SendStatus || u.WidgetID == "" || u.Status == domain.StatusNone {
		return
	}
	if c, ok := s.edge.Get(u.WidgetID); ok {
		c.offer(s.fr[u.Status])
	}
}
