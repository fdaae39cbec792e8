package eventstore_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/oklog/ulid/v2"
)

// eventTime is the envelope time of test events: UTC with nanoseconds, as
// the domain stamps them.
var eventTime = time.Date(2026, 7, 4, 12, 30, 15, 123456789, time.UTC)

// uniq makes aggregate ids unique within a test binary run.
var uniq atomic.Int64

// newCharger returns a fresh charger id holding a '.', which the subject
// must encode.
func newCharger(prefix string) string {
	return fmt.Sprintf("%s.%d", prefix, uniq.Add(1))
}

// reading returns a SoC event of charger.
func reading(charger string, soc float64) domain.Event {
	return domain.NewEvent(ulid.Make().String(), eventTime, charger, "s-1",
		domain.SoCReported{SoC: soc, Status: domain.Status("charging")})
}

// readings returns n SoC events of charger.
func readings(charger string, n int) []domain.Event {
	out := make([]domain.Event, n)
	for i := range out {
		out[i] = reading(charger, float64(i%101))
	}
	return out
}

// ctxT returns a context that ends with the test or after 20 s.
func ctxT(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	tb.Cleanup(cancel)
	return ctx
}


// appendOK appends and fails the test on an error.
func appendOK(tb testing.TB, st domain.EventStore, key domain.StreamKey, expected uint64, events ...domain.Event) []domain.Appended {
	tb.Helper()
	res, err := st.Append(ctxT(tb), key, expected, events)
	if err != nil {
		tb.Fatalf("append %d events to %v: %v", len(events), key, err)
	}
	if got, want := len(res), len(events); got != want {
		tb.Fatalf("append returned %d results, want %d", got, want)
	}
	return res
}

// loadOK loads and fails the test on an error.
func loadOK(tb testing.TB, st domain.EventStore, key domain.StreamKey, after uint64) []domain.Event {
	tb.Helper()
	evs, err := st.Load(ctxT(tb), key, after)
	if err != nil {
		tb.Fatalf("load %v after %d: %v", key, after, err)
	}
	return evs
}

// withSeqs returns a copy of events with the sequences of res.
func withSeqs(events []domain.Event, res []domain.Appended) []domain.Event {
	out := make([]domain.Event, len(events))
	for i, e := range events {
		e.Seq = res[i].Seq
		out[i] = e
	}
	return out
}

// sameEvents compares two event lists field by field.
func sameEvents(tb testing.TB, got, want []domain.Event) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			tb.Fatalf("event %d:\n got %#v\nwant %#v", i, got[i], want[i])
		}
	}
}

// follower runs Follow in the background and collects what it delivers.
type follower struct {
	mu   sync.Mutex
	got  []domain.Event
	done chan error
	stop context.CancelFunc
}

func follow(t *testing.T, st domain.EventStore, name string, after uint64) *follower {
	t.Helper()
	feed, ok := st.(domain.Feed)
	if !ok {
		t.Skip("store is not a domain.Feed")
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &follower{done: make(chan error, 1), stop: cancel}
	go func() {
		f.done <- feed.Follow(ctx, name, after, func(e domain.Event) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.got = append(f.got, e)
			return nil
		})
	}()
	t.Cleanup(func() { f.halt(t) })
	return f
}

// waitFor waits until the follower has n events.
func (f *follower) waitFor(t *testing.T, n int) []domain.Event {
	t.Helper()
	testkit.CheckFor(t, 10*time.Second, func() error {
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.got) < n {
			return fmt.Errorf("followed %d events, want %d", len(f.got), n)
		}
		return nil
	})
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]domain.Event(nil), f.got...)
}

// halt stops Follow and checks it returned nil.
func (f *follower) halt(t *testing.T) {
	t.Helper()
	f.stop()
	select {
	case err, ok := <-f.done:
		if ok && err != nil {
			t.Errorf("follow returned %v, want nil", err)
		}
		if ok {
			close(f.done)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("follow did not return after its context ended")
	}
}

// appendMixed appends n events spread over three aggregates and returns
// them with their sequences, in stream order.
func appendMixed(t *testing.T, st domain.EventStore, n int) []domain.Event {
	t.Helper()
	keys := []domain.StreamKey{domain.ChargerKey(newCharger("f")), domain.ChargerKey(newCharger("f")), domain.ChargerKey(newCharger("f"))}
	out := make([]domain.Event, n)
	for i := range out {
		key := keys[i%len(keys)]
		e := reading(key.ID, float64(i%101))
		e.Seq = appendOK(t, st, key, domain.AnyVersion, e)[0].Seq
		out[i] = e
	}
	return out
}
