package metrics

import "github.com/prometheus/client_golang/prometheus"

func (m *Metrics) registerLive() {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: namespace,
		Name:      "live_clients",
		Help:      "Staff live-feed WebSocket clients connected now.",
	}, m.liveClients))
}

// LiveClients adds delta (+1 on connect, -1 on disconnect) to the count
// behind chargebooth_live_clients. It is ignored for the gauge once a
// function is set with Options.LiveClients or SetLiveClientsFunc.
func (m *Metrics) LiveClients(delta int) { m.liveCount.Add(int64(delta)) }

// SetLiveClientsFunc makes chargebooth_live_clients read f at scrape time
// (for example the staff API's LiveClients method, which exists only after
// the API that serves this Handler is built). f must be cheap; nil goes
// back to the count kept by LiveClients.
func (m *Metrics) SetLiveClientsFunc(f func() int) {
	if f == nil {
		m.liveFunc.Store(nil)
		return
	}
	m.liveFunc.Store(&f)
}

func (m *Metrics) liveClients() float64 {
	if f := m.liveFunc.Load(); f != nil {
		return float64((*f)())
	}
	return float64(m.liveCount.Load())
}
