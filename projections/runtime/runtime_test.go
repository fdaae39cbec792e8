package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/chargebooth/chargebooth/projections/runtime"
)

func TestWaitApplied(t *testing.T) {
	e := newEnv(t)
	b := projections.NewBoard(domain.DefaultTariff)
	rt := e.start(e.config(b))
	if err := rt.WaitCaughtUp(ctxFor(t, 5*time.Second)); err != nil {
		t.Fatalf("caught up on an empty stream: %v", err)
	}

	t.Run("woken by the fold", func(t *testing.T) {
		// Waiters for sequences not stored yet, out of order.
		want := e.last() + 3
		errs := make(chan error, 3)
		for _, seq := range []uint64{want, want - 2, want - 1} {
			go func() { errs <- rt.WaitApplied(ctxFor(t, 10*time.Second), seq) }()
		}
		for range 3 {
			e.connect("c1", fmt.Sprint(e.last()))
		}
		for range 3 {
			if err := <-errs; err != nil {
				t.Errorf("WaitApplied: %v", err)
			}
		}
		if got := b.Applied(); got < want {
			t.Errorf("applied after WaitApplied: got %d, want at least %d", got, want)
		}
	})
	t.Run("many waiters", func(t *testing.T) {
		base := e.last()
		errs := make(chan error, 100)
		for i := range 100 {
			seq := base + 1 + uint64(i%40)
			go func() { errs <- rt.WaitApplied(ctxFor(t, 10*time.Second), seq) }()
		}
		e.connectMany(40)
		for range 100 {
			if err := <-errs; err != nil {
				t.Errorf("WaitApplied: %v", err)
			}
		}
	})
	t.Run("already folded", func(t *testing.T) {
		if err := rt.WaitApplied(ctxFor(t, time.Second), b.Applied()); err != nil {
			t.Errorf("WaitApplied(%d): %v", b.Applied(), err)
		}
	})
	t.Run("times out with ctx", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := rt.WaitApplied(ctx, e.last()+100)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("WaitApplied beyond the stream: got %v, want %v", err, context.DeadlineExceeded)
		}
	})
	t.Run("woken by close", func(t *testing.T) {
		errc := make(chan error, 1)
		go func() { errc <- rt.WaitApplied(context.Background(), e.last()+100) }()
		// Close may come before or after the waiter registers: both end it.
		if err := rt.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-errc; !errors.Is(err, runtime.ErrStopped) {
			t.Errorf("WaitApplied across Close: got %v, want %v", err, runtime.ErrStopped)
		}
		if err := rt.WaitApplied(context.Background(), e.last()+100); !errors.Is(err, runtime.ErrStopped) {
			t.Errorf("WaitApplied after Close: got %v, want %v", err, runtime.ErrStopped)
		}
	})
}

func TestOpaqueEventsSkippedAndCounted(t *testing.T) {
	e := newEnv(t)
	b := projections.NewBoard(domain.DefaultTariff)
	var (
		mu      sync.Mutex
		unknown = map[string]int{}
	)
	cfg := e.config(b)
	cfg.OnUnknown = func(typ string) {
		mu.Lock()
		unknown[typ]++
		mu.Unlock()
	}
	rt := e.start(cfg)

	future := `{"id":"01J0000000000000000000000F","type":"charger.teleported","chargerId":"c1","time":"2026-07-04T18:00:00Z","data":{"to":"mars"}}`
	e.publishRaw("cb.charger.c1", []byte(future))
	e.publishRaw("cb.charger.c1", []byte(future))
	e.publishRaw("cb.charger.c1", []byte("not json at all"))
	seq := e.connect("c1", "1@i1")
	if err := rt.WaitApplied(ctxFor(t, 10*time.Second), seq); err != nil {
		t.Fatalf("the known event after the opaque ones: %v", err)
	}
	c, ok := b.Charger("c1", t0)
	if !ok || !c.Online || c.Conn != "1@i1" {
		t.Errorf("charger after the opaque events: got %+v, want online on 1@i1", c)
	}
	mu.Lock()
	got := fmt.Sprint(unknown)
	mu.Unlock()
	if want := "map[?:1 charger.teleported:2]"; got != want {
		t.Errorf("OnUnknown: got %s, want %s", got, want)
	}
	if got := e.log.count("type=charger.teleported"); got != 1 {
		t.Errorf("log lines about charger.teleported: got %d, want 1 (once per type)", got)
	}
	if state, reason := rt.Status(); state != runtime.StateCaughtUp {
		t.Errorf("status: got %s (%s), want %s", state, reason, runtime.StateCaughtUp)
	}
}

func TestReadiness(t *testing.T) {
	e := newEnv(t)
	last := e.connectMany(50)
	b := projections.NewBoard(domain.DefaultTariff)
	feed := &gatedFeed{Feed: e.store, open: make(chan struct{})}
	var storeErr atomic.Pointer[error]
	cfg := e.config(b)
	cfg.Feed = feed
	cfg.StoreReady = func(context.Context) error {
		if p := storeErr.Load(); p != nil {
			return *p
		}
		return nil
	}
	rt, err := runtime.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	status := func(wantState, wantReason string) {
		t.Helper()
		state, reason := rt.Status()
		if state != wantState || !strings.Contains(reason, wantReason) {
			t.Errorf("status: got %s (%q), want %s (%q)", state, reason, wantState, wantReason)
		}
	}
	status(runtime.StateStopped, "not started")
	if err := rt.Ready(); err == nil {
		t.Error("Ready before Start: got nil, want an error")
	}
	if err := rt.WaitCaughtUp(context.Background()); !errors.Is(err, runtime.ErrStopped) {
		t.Errorf("WaitCaughtUp before Start: got %v, want %v", err, runtime.ErrStopped)
	}
	if err := rt.Start(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	status(runtime.StateBehind, fmt.Sprintf("0 of %d", last))
	if err := rt.Ready(); err == nil || !strings.Contains(err.Error(), "catching up") {
		t.Errorf("Ready while behind: got %v, want catching up", err)
	}
	if err := rt.CaughtUp(); err == nil || !strings.Contains(err.Error(), "catching up") {
		t.Errorf("CaughtUp while behind: got %v, want catching up", err)
	}
	waited := make(chan error, 1)
	go func() { waited <- rt.WaitCaughtUp(ctxFor(t, 10*time.Second)) }()

	close(feed.open)
	if err := <-waited; err != nil {
		t.Fatalf("WaitCaughtUp: %v", err)
	}
	status(runtime.StateCaughtUp, "")
	if err := rt.Ready(); err != nil {
		t.Errorf("Ready when caught up: %v", err)
	}

	full := errors.New("stream full")
	storeErr.Store(&full)
	if err := rt.CaughtUp(); err != nil {
		t.Errorf("CaughtUp with the store not ready: got %v, want nil (the board is caught up)", err)
	}
	if err := rt.Ready(); !errors.Is(err, full) {
		t.Errorf("Ready with the store not ready: got %v, want %v", err, full)
	}
	storeErr.Store(nil)

	// A start-up write raises the target: behind until it is folded.
	rt.CatchUpTo(last + 1)
	status(runtime.StateBehind, fmt.Sprintf("%d of %d", last, last+1))
	e.connect("c1", "pairings")
	caughtUp(t, rt)

	testkit.CheckFor(t, 5*time.Second, func() error {
		if got, want := rt.LastSeq(), last+1; got != want {
			return fmt.Errorf("LastSeq: got %d, want %d", got, want)
		}
		return nil
	})
	e.connect("c1", "later")
	testkit.CheckFor(t, 5*time.Second, func() error {
		if got, want := rt.LastSeq(), last+2; got != want {
			return fmt.Errorf("LastSeq after one more event: got %d, want %d", got, want)
		}
		return nil
	})

	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	status(runtime.StateStopped, "closed")
}

func TestRestartAfterFeedError(t *testing.T) {
	e := newEnv(t)
	first := e.connectMany(10)
	b := projections.NewBoard(domain.DefaultTariff)
	feed := &failingFeed{Feed: e.store}
	feed.setFail(errors.New("consumer gone"))
	cfg := e.config(b)
	cfg.Feed = feed
	rt := e.start(cfg)

	testkit.CheckFor(t, 5*time.Second, func() error {
		state, reason := rt.Status()
		if state != runtime.StateBehind || !strings.Contains(reason, "consumer gone") {
			return fmt.Errorf("status: got %s (%q), want behind with the feed's error", state, reason)
		}
		return nil
	})
	testkit.CheckFor(t, 5*time.Second, func() error {
		if n := e.log.count("following again"); n < 2 {
			return fmt.Errorf("restarts logged: got %d, want at least 2", n)
		}
		return nil
	})
	feed.setFail(nil)
	caughtUp(t, rt)
	if got := b.Applied(); got != first {
		t.Errorf("applied: got %d, want %d", got, first)
	}
	if got := e.log.count("consumer gone"); got < 2 {
		t.Errorf("log lines with the reason: got %d, want at least 2", got)
	}
}

func TestRestartAfterHandlerError(t *testing.T) {
	e := newEnv(t)
	last := e.connectMany(20)
	b := projections.NewBoard(domain.DefaultTariff)
	feed := &flakyFeed{Feed: e.store, failAt: 7}
	cfg := e.config(b)
	cfg.Feed = feed
	rt := e.start(cfg)
	if err := rt.WaitApplied(ctxFor(t, 10*time.Second), last); err != nil {
		t.Fatal(err)
	}
	if got, want := b.Folded(), last; got != want {
		t.Errorf("folded: got %d, want %d (each event once)", got, want)
	}
	if got := e.log.count("refused seq 7"); got != 1 {
		t.Errorf("log lines with the handler's error: got %d, want 1", got)
	}
}

// flakyFeed is the real store's feed whose handler refuses the event at
// failAt once.
type flakyFeed struct {
	domain.Feed
	failAt uint64
	failed atomic.Bool
}

func (f *flakyFeed) Follow(ctx context.Context, name string, after uint64, h domain.Handler) error {
	return f.Feed.Follow(ctx, name, after, func(e domain.Event) error {
		if e.Seq == f.failAt && f.failed.CompareAndSwap(false, true) {
			return fmt.Errorf("refused seq %d", e.Seq)
		}
		return h(e)
	})
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	e := newEnv(t)
	b := projections.NewBoard(domain.DefaultTariff)
	tests := []struct {
		name   string
		change func(*runtime.Config)
	}{
		{"no board", func(c *runtime.Config) { c.Board = nil }},
		{"no feed", func(c *runtime.Config) { c.Feed = nil }},
		{"no stream", func(c *runtime.Config) { c.Stream = nil }},
		{"no consumer", func(c *runtime.Config) { c.Consumer = "" }},
		{"negative interval", func(c *runtime.Config) { c.CheckpointEvery = -time.Second }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := e.config(b)
			tt.change(&cfg)
			if _, err := runtime.New(cfg); err == nil {
				t.Error("New: got nil, want an error")
			}
		})
	}
}
