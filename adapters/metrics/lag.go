package metrics

import "github.com/prometheus/client_golang/prometheus"

// registerLag registers the stream position, applied position and consumer
// lag gauges. A nil func reads as 0.
func registerLag(reg prometheus.Registerer, last, applied func() uint64) {
	if last == nil {
		last = zero
	}
	if applied == nil {
		applied = zero
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace,
			Name:      "stream_last_sequence",
			Help:      "Last sequence in the event stream.",
		}, func() float64 { return float64(last()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace,
			Name:      "projection_applied_sequence",
			Help:      "Last stream sequence the projections have applied.",
		}, func() float64 { return float64(applied()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace,
			Name:      "consumer_lag",
			Help:      "Events in the stream the projections have not applied yet (last minus applied, never negative).",
		}, func() float64 { return float64(Lag(last(), applied())) }),
	)
}

func zero() uint64 { return 0 }

// Lag returns last − applied, or 0 when applied is ahead of last (the
// cached stream position can trail the consumer).
func Lag(last, applied uint64) uint64 {
	if applied >= last {
		return 0
	}
	return last - applied
}
