package projections_test

import (
	"sync"
	"testing"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

// TestQueriesShareNothingWithApply reads what the queries and a snapshot
// return while readings are folded (the fold changes a reading in place);
// run it with -race.
func TestQueriesShareNothingWithApply(t *testing.T) {
	b, seq := booth(t, 2)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 2000 {
			e := domain.NewEvent("r", t0, "c0", "s0", domain.SoCReported{SoC: float64(i % 101)})
			e.Seq = seq + uint64(i)
			if err := b.Apply(e); err != nil {
				t.Error(err)
				return
			}
		}
	})
	var sum float64
	for range 200 {
		if c, ok := b.Charger("c0", t0); ok && c.SoC != nil {
			sum += *c.SoC
			if c.Session != nil && c.Session.SoC != nil {
				sum += *c.Session.SoC
			}
		}
		for _, s := range b.Sessions(projections.SessionFilter{}, t0) {
			if s.SoC != nil {
				sum += *s.SoC
			}
		}
		if _, _, err := b.Snapshot(); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	_ = sum
}
