package metrics_test

import (
	"testing"

	"github.com/chargebooth/chargebooth/adapters/metrics"
)

func BenchmarkEventApplied(b *testing.B) {
	m := metrics.New(metrics.Options{})
	b.ReportAllocs()
	for b.Loop() {
		m.EventApplied("charger.soc_reported")
	}
}

func BenchmarkReadingAccepted(b *testing.B) {
	c := metrics.New(metrics.Options{}).Chargers()
	b.ReportAllocs()
	for b.Loop() {
		c.Reading("")
	}
}
