package metrics_test

import (
	"net/http"
	"time"

	"github.com/chargebooth/chargebooth/adapters/metrics"
)

func Example() {
	var applied uint64 // the projection's applied sequence, in real code
	m := metrics.New(metrics.Options{
		StreamLastSeq: func() uint64 { return 10 }, // a cached value
		Applied:       func() uint64 { return applied },
	})
	// Hand m.Chargers() to the charger edge, m.Widgets() to the widget
	// edge and m.ObserveHTTP to the staff API's Observe hook.
	m.Chargers().Reading("")
	m.ObserveHTTP("GET /api/chargers", http.StatusOK, time.Millisecond)

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	// Output:
}
