package eventstore_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/eventstore/estest"
	"github.com/chargebooth/chargebooth/internal/testkit"
)

// holder runs Leases.Hold in the background.
type holder struct {
	stop context.CancelFunc
	done chan error
}

func hold(t *testing.T, l *eventstore.Leases, instance string) *holder {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h := &holder{stop: cancel, done: make(chan error, 1)}
	go func() { h.done <- l.Hold(ctx, instance) }()
	t.Cleanup(func() { h.halt(t) })
	return h
}

// halt ends Hold and checks it returned nil.
func (h *holder) halt(t *testing.T) {
	t.Helper()
	h.stop()
	select {
	case err, ok := <-h.done:
		if ok && err != nil {
			t.Errorf("hold returned %v, want nil", err)
		}
		if ok {
			close(h.done)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("hold did not return after its context ended")
	}
}

// expiredIs waits until Expired reports want.
func expiredIs(t *testing.T, l *eventstore.Leases, want []string, within time.Duration) {
	t.Helper()
	testkit.CheckFor(t, within, func() error {
		got, err := l.Expired(ctxT(t))
		if err != nil {
			return err
		}
		if !slices.Equal(got, want) {
			return fmt.Errorf("expired: got %q, want %q", got, want)
		}
		return nil
	})
}

// expiredStays checks that Expired reports want all through d.
func expiredStays(t *testing.T, l *eventstore.Leases, want []string, d time.Duration) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); {
		got, err := l.Expired(ctxT(t))
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("expired: got %q, %v; want %q", got, err, want)
		}
	}
}

func TestLeases(t *testing.T) {
	_, st, _ := estest.Start(t)
	const ttl = 600 * time.Millisecond
	l, err := eventstore.OpenLeases(ctxT(t), st, eventstore.LeaseConfig{TTL: ttl})
	if err != nil {
		t.Fatalf("open leases: %v", err)
	}
	if got, err := l.Expired(ctxT(t)); err != nil || got != nil {
		t.Fatalf("empty bucket: got %q, %v; want nil, nil", got, err)
	}

	a := hold(t, l, "a")
	b := hold(t, l, "b host:1") // not a KV key as is
	// A process that renewed once and died.
	if err := l.Renew(ctxT(t), "dead"); err != nil {
		t.Fatalf("renew: %v", err)
	}
	expiredIs(t, l, nil, time.Second)
	start := time.Now()
	expiredIs(t, l, []string{"dead"}, 3*ttl)
	if got := time.Since(start); got < ttl/2 {
		t.Fatalf("dead lease expired after %s, want about %s", got, ttl)
	}

	// Live holders outlast many TTLs.
	expiredStays(t, l, []string{"dead"}, 3*ttl)

	// A clean stop is a release: reported at once.
	b.halt(t)
	expiredIs(t, l, []string{"b host:1", "dead"}, time.Second)
	a.halt(t)
	expiredIs(t, l, []string{"a", "b host:1", "dead"}, time.Second)

	// A holder back under the same name is live again.
	hold(t, l, "a")
	expiredIs(t, l, []string{"b host:1", "dead"}, time.Second)
}

func TestLeasesForgetOldOnes(t *testing.T) {
	_, st, _ := estest.Start(t)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	l, err := eventstore.OpenLeases(ctxT(t), st, eventstore.LeaseConfig{TTL: time.Minute, Forget: time.Hour, Now: clock})
	if err != nil {
		t.Fatalf("open leases: %v", err)
	}
	for _, name := range []string{"gone", "other"} {
		if err := l.Renew(ctxT(t), name); err != nil {
			t.Fatalf("renew %s: %v", name, err)
		}
	}
	expiredIs(t, l, nil, time.Second)
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	expiredIs(t, l, []string{"gone", "other"}, time.Second)

	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	expiredIs(t, l, nil, time.Second) // purged
	mu.Lock()
	now = now.Add(-3 * time.Hour)
	mu.Unlock()
	expiredIs(t, l, nil, time.Second) // and gone for good
}

func TestLeasesRefuseNoName(t *testing.T) {
	_, st, _ := estest.Start(t)
	l, err := eventstore.OpenLeases(ctxT(t), st, eventstore.LeaseConfig{})
	if err != nil {
		t.Fatalf("open leases: %v", err)
	}
	if got, want := l.TTL(), eventstore.DefaultLeaseTTL; got != want {
		t.Fatalf("ttl: got %s, want %s", got, want)
	}
	if err := l.Hold(ctxT(t), ""); err == nil {
		t.Fatalf("hold without a name: got nil, want an error")
	}
}
