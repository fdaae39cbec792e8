package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ChargerObserver records what the charger edge does. Its method set is the
// charger package's Observer, so (*Metrics).Chargers can be passed there
// directly. Every method is cheap and safe for concurrent use.
type ChargerObserver struct {
	connected *children[prometheus.Gauge]   // {protocol}
	accepted  prometheus.Counter            //
	rejected  *children[prometheus.Counter] // {code}
	append    prometheus.Histogram          //
}

func newChargerObserver(reg prometheus.Registerer) *ChargerObserver {
	connected := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace,
		Name:      "chargers_connected",
		Help:      "Charger sockets open now, by protocol.",
	}, []string{"protocol"})
	accepted := prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "readings_accepted_total",
		Help:      "Charger readings stored in the event stream.",
	})
	rejected := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "readings_rejected_total",
		Help:      "Charger frames answered with an error, by error code.",
	}, []string{"code"})
	appendSeconds := prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "append_seconds",
		Help:      "Time taken to store one charger reading in the event stream.",
		Buckets:   latencyBuckets,
	})
	reg.MustRegister(connected, accepted, rejected, appendSeconds)
	return &ChargerObserver{
		connected: newChildren(connected.WithLabelValues),
		accepted:  accepted,
		rejected:  newChildren(rejected.WithLabelValues),
		append:    appendSeconds,
	}
}

// Chargers returns the observer to hand to the charger edge.
func (m *Metrics) Chargers() *ChargerObserver { return m.chargers }

// Connected adds delta (+1 on open, -1 on close) to
// chargebooth_chargers_connected{protocol}.
func (o *ChargerObserver) Connected(protocol string, delta int) {
	o.connected.one(protocol).Add(float64(delta))
}

// Reading counts one reading: chargebooth_readings_accepted_total when code
// is "" (stored), else chargebooth_readings_rejected_total{code}.
func (o *ChargerObserver) Reading(code string) {
	if code == "" {
		o.accepted.Inc()
		return
	}
	o.rejected.one(code).Inc()
}

// Appended observes how long storing a reading took in
// chargebooth_append_seconds.
func (o *ChargerObserver) Appended(d time.Duration) {
	o.append.Observe(d.Seconds())
}
