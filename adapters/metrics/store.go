package metrics

import (
	"github.com/chargebooth/chargebooth/domain"
	"github.com/prometheus/client_golang/prometheus"
)

// registerStore registers the store's readiness gauges; a nil state reads
// as ready.
func registerStore(reg prometheus.Registerer, state func() string) {
	if state == nil {
		state = func() string { return "" }
	}
	is := func(ok bool) float64 {
		if ok {
			return 1
		}
		return 0
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace,
			Name:      "store_ready",
			Help:      "1 while this instance can store events (connected, the stream has a leader, not full), else 0.",
		}, func() float64 { return is(state() == "") }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace,
			Name:      "store_full",
			Help:      "1 while appends are refused for lack of space (the store's limit or the disk), else 0.",
		}, func() float64 { return is(state() == domain.CodeStoreFull) }),
	)
}
