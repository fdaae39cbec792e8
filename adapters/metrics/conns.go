package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// conns holds the listener families: refusals counted, open connections
// read at scrape time.
type conns struct {
	refused *children[prometheus.Counter] // {listener, reason}
	open    *openConns
}

func (m *Metrics) registerConns() {
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "connections_refused_total",
		Help:      "Connections a listener refused past a connection cap, by listener and reason (total, per_ip).",
	}, []string{"listener", "reason"})
	open := &openConns{
		desc: prometheus.NewDesc(prometheus.BuildFQName(namespace, "", "connections_open"),
			"Connections a listener holds open now (HTTP and upgraded WebSocket), by listener.", []string{"listener"}, nil),
		funcs: map[string]func() int{},
	}
	m.reg.MustRegister(refused, open)
	m.conns = conns{refused: newChildren(refused.WithLabelValues), open: open}
}

// ConnectionRefused counts one connection a listener refused in
// chargebooth_connections_refused_total{listener,reason}. Its signature is
// netlimit.Config.OnRefuse's.
func (m *Metrics) ConnectionRefused(listener, reason string) {
	m.conns.refused.with(listener, reason).Inc()
}

// SetConnectionsOpenFunc makes chargebooth_connections_open{listener} read
// f at scrape time (a netlimit.Listener's Open); f must be cheap. A nil f
// removes the listener's series.
func (m *Metrics) SetConnectionsOpenFunc(listener string, f func() int) {
	m.conns.open.mu.Lock()
	defer m.conns.open.mu.Unlock()
	if f == nil {
		delete(m.conns.open.funcs, listener)
		return
	}
	if _, ok := m.conns.open.funcs[listener]; !ok && len(m.conns.open.funcs) >= MaxLabelValues {
		return
	}
	m.conns.open.funcs[listener] = f
}

// openConns is a collector of one gauge per listener, each read from its
// function at scrape time.
type openConns struct {
	desc *prometheus.Desc

	mu    sync.Mutex // guards funcs
	funcs map[string]func() int
}

// Describe sends the family's description.
func (o *openConns) Describe(ch chan<- *prometheus.Desc) { ch <- o.desc }

// Collect reads every listener's count.
func (o *openConns) Collect(ch chan<- prometheus.Metric) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for name, f := range o.funcs {
		ch <- prometheus.MustNewConstMetric(o.desc, prometheus.GaugeValue, float64(f()), name)
	}
}
