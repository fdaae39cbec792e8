package eventstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore/estest"
	"github.com/chargebooth/chargebooth/internal/testkit"
)

// TestFollowSkipping: what skip reports the handler has is left out (not
// decoded, not handed over) yet counts as applied: a Follow resumed after
// the last event re-uses the consumer and brings only what came after.
func TestFollowSkipping(t *testing.T) {
	_, st, _ := estest.Start(t)
	evs := appendMixed(t, st, 10)
	skipped := map[uint64]bool{}
	for i, e := range evs {
		if i%3 != 1 {
			skipped[e.Seq] = true
		}
	}
	var (
		mu  sync.Mutex
		got []domain.Event
	)
	ctx, cancel := context.WithCancel(ctxT(t))
	done := make(chan error, 1)
	go func() {
		done <- st.FollowSkipping(ctx, "skipping", 0, func(seq uint64) bool { return skipped[seq] }, func(e domain.Event) error {
			mu.Lock()
			got = append(got, e)
			mu.Unlock()
			return nil
		})
	}()
	var want []domain.Event
	for i, e := range evs {
		if i%3 == 1 {
			want = append(want, e)
		}
	}
	testkit.CheckFor(t, 10*time.Second, func() error {
		mu.Lock()
		defer mu.Unlock()
		if len(got) < len(want) {
			return fmt.Errorf("followed %d events, want %d", len(got), len(want))
		}
		return nil
	})
	time.Sleep(100 * time.Millisecond) // a skipped event would have come by now
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("follow: %v", err)
	}
	mu.Lock()
	sameEvents(t, got, want)
	mu.Unlock()

	// Skipped events were acknowledged: resumed after the last one, the
	// consumer brings only what is new.
	after := appendMixed(t, st, 3)
	f := follow(t, st, "skipping", evs[len(evs)-1].Seq)
	sameEvents(t, f.WaitFor(t, 3), after)
}
