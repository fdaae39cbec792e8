package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// socketIO is the gauge of Socket.IO clients, registered by the first
// SetSocketIOClientsFunc (a server without the edge shows none).
type socketIO struct {
	once sync.Once
	f    func() int
}

// SetSocketIOClientsFunc makes chargebooth_socketio_clients (Socket.IO
// clients connected now) read f at scrape time. Call it once, with the
// edge's Clients method; f must be cheap.
func (m *Metrics) SetSocketIOClientsFunc(f func() int) {
	s := &m.socketIO
	s.once.Do(func() {
		s.f = f
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace,
			Name:      "socketio_clients",
			Help:      "Socket.IO clients connected now (/socket.io/).",
		}, func() float64 { return float64(s.f()) }))
	})
}
