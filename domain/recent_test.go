package domain_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/chargebooth/chargebooth/domain"
)

// A charger remembers the ids of its last 512 readings and OCPP messages,
// with the transaction each carried, and forgets the oldest beyond that.
func TestChargerRemembersTheLast512Ids(t *testing.T) {
	c := domain.NewCharger("c1")
	id := func(i int) string { return domain.DerivedID("c1", domain.KindReading, fmt.Sprintf("r-%d", i)) }
	c.Apply(domain.Event{ID: "tx-start", Seq: 1, Data: domain.TransactionStarted{TransactionID: 7}})
	for i := range 512 {
		c.Apply(domain.Event{ID: id(i), Seq: uint64(i + 2), Data: domain.SoCReported{SoC: 50, ReadingID: fmt.Sprintf("r-%d", i)}})
	}
	if _, ok := c.Seen("tx-start"); ok {
		t.Error("the 513th id back is still remembered")
	}
	for _, i := range []int{0, 1, 511} {
		if tx, ok := c.Seen(id(i)); !ok || tx != 0 {
			t.Errorf("reading %d: Seen = %d, %v; want 0, true", i, tx, ok)
		}
	}
	c.Apply(domain.Event{ID: id(0), Seq: 600, Data: domain.SoCReported{SoC: 50, ReadingID: "r-0"}}) // redelivered: no new slot
	c.Apply(domain.Event{ID: "tx-stop", Seq: 601, Data: domain.TransactionStopped{TransactionID: 7}})
	if tx, ok := c.Seen("tx-stop"); !ok || tx != 7 {
		t.Errorf("Seen(tx-stop) = %d, %v; want 7, true", tx, ok)
	}
	if _, ok := c.Seen(id(0)); ok {
		t.Error("the oldest reading is still remembered after one more id")
	}
	if _, ok := c.Seen(id(1)); !ok {
		t.Error("the second oldest reading is forgotten too early")
	}
	if _, ok := c.Seen(domain.DerivedID("c1", domain.KindReading, "never")); ok {
		t.Error("an id never applied is reported seen")
	}
}

// BenchmarkChargerRemembering reports the heap a charger keeps for the ids
// of its last 512 readings (bytes/charger), and the time to check and
// remember one more.
func BenchmarkChargerRemembering(b *testing.B) {
	const chargers = 200
	ids := make([]string, 512)
	for i := range ids {
		ids[i] = domain.DerivedID("c1", domain.KindReading, fmt.Sprintf("r-%d", i))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	cs := make([]*domain.Charger, chargers)
	for n := range cs {
		cs[n] = domain.NewCharger("c1")
		for i, id := range ids {
			cs[n].Apply(domain.Event{ID: id, Seq: uint64(i + 1), Data: domain.SoCReported{SoC: 50, ReadingID: fmt.Sprintf("r-%d", i)}})
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perCharger := float64(after.HeapAlloc-before.HeapAlloc) / chargers
	c := cs[0]
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		id := ids[i%len(ids)]
		if _, ok := c.Seen(id); !ok {
			b.Fatal("a remembered id is not seen")
		}
	}
	b.ReportMetric(perCharger, "bytes/charger") // after the loop: ResetTimer drops reported metrics
	runtime.KeepAlive(cs)
}
