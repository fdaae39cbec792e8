package runtime_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/eventstore/estest"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/chargebooth/chargebooth/projections/runtime"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/oklog/ulid/v2"
)

var t0 = time.Date(2026, 7, 4, 18, 0, 0, 0, time.UTC)

// env is a real embedded store and a board to feed from it.
type env struct {
	tb    testing.TB
	store *eventstore.Store
	nc    *nats.Conn
	log   *logBuffer
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	_, store, nc := estest.Start(tb)
	return &env{tb: tb, store: store, nc: nc, log: &logBuffer{}}
}

// config is a runtime config on e's store for board b.
func (e *env) config(b *projections.Board) runtime.Config {
	return runtime.Config{
		Board: b, Feed: e.store, Stream: e.store, Consumer: "runtime-test",
		RestartMin: 10 * time.Millisecond, RestartMax: 50 * time.Millisecond,
		WatchEvery: 20 * time.Millisecond,
		Log:        slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

// heldConfig is config for a new board whose feed holds every event
// until the returned feed's open channel is closed.
func (e *env) heldConfig() (*projections.Board, *gatedFeed, runtime.Config) {
	b := projections.NewBoard(domain.DefaultTariff)
	feed := &gatedFeed{Feed: e.store, open: make(chan struct{})}
	cfg := e.config(b)
	cfg.Feed = feed
	return b, feed, cfg
}

// start makes and starts a runtime from cfg, closed at cleanup.
func (e *env) start(cfg runtime.Config) *runtime.Runtime {
	e.tb.Helper()
	rt, err := runtime.New(cfg)
	if err != nil {
		e.tb.Fatal(err)
	}
	if err := rt.Start(ctxFor(e.tb, 10*time.Second)); err != nil {
		e.tb.Fatal(err)
	}
	e.tb.Cleanup(func() { _ = rt.Close() })
	return rt
}

// connect stores a ChargerConnected for charger id and returns its
// sequence.
func (e *env) connect(id, conn string) uint64 {
	e.tb.Helper()
	ev := domain.NewEvent(ulid.Make().String(), t0, id, "", domain.ChargerConnected{Instance: "i1", Conn: conn, Protocol: "json"})
	res, err := e.store.Append(ctxFor(e.tb, 5*time.Second), domain.ChargerKey(id), domain.AnyVersion, []domain.Event{ev})
	if err != nil {
		e.tb.Fatalf("append: %v", err)
	}
	return res[0].Seq
}

// connectMany stores n events and returns the last sequence.
func (e *env) connectMany(n int) uint64 {
	e.tb.Helper()
	var last uint64
	for i := range n {
		last = e.connect(fmt.Sprintf("c%d", i%7), fmt.Sprintf("%d@i1", i))
	}
	return last
}

// publishRaw stores data on subject as it is, as a newer build (or a
// broken one) would have written it, and returns its sequence.
func (e *env) publishRaw(subject string, data []byte) uint64 {
	e.tb.Helper()
	js, err := jetstream.New(e.nc)
	if err != nil {
		e.tb.Fatal(err)
	}
	ack, err := js.Publish(ctxFor(e.tb, 5*time.Second), subject, data)
	if err != nil {
		e.tb.Fatalf("publish %s: %v", subject, err)
	}
	return ack.Sequence
}

// last returns the stream's last sequence.
func (e *env) last() uint64 {
	e.tb.Helper()
	seq, err := e.store.LastSequence(ctxFor(e.tb, 5*time.Second))
	if err != nil {
		e.tb.Fatal(err)
	}
	return seq
}

// ctxFor is a context ending after d or at the test's end.
func ctxFor(tb testing.TB, d time.Duration) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	tb.Cleanup(cancel)
	return ctx
}

// caughtUp waits for rt to report caught-up.
func caughtUp(tb testing.TB, rt *runtime.Runtime) {
	tb.Helper()
	testkit.CheckFor(tb, 10*time.Second, func() error {
		if state, reason := rt.Status(); state != runtime.StateCaughtUp {
			return fmt.Errorf("status %s (%s), want %s", state, reason, runtime.StateCaughtUp)
		}
		return nil
	})
}

// logBuffer collects log output from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns what was logged.
func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// count returns how many log lines contain s.
func (l *logBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range strings.Split(l.buf.String(), "\n") {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// gatedFeed is the real store's feed with the handler held until open is
// closed, so a test sees the board behind on purpose.
type gatedFeed struct {
	domain.Feed
	open chan struct{}
}

func (g *gatedFeed) Follow(ctx context.Context, name string, after uint64, h domain.Handler) error {
	return g.Feed.Follow(ctx, name, after, func(e domain.Event) error {
		select {
		case <-g.open:
		case <-ctx.Done():
			return ctx.Err()
		}
		return h(e)
	})
}

// failingFeed is the real store's feed, except that each Follow call
// fails at once while fail is set.
type failingFeed struct {
	domain.Feed
	mu    sync.Mutex
	fail  error
	calls int
}

func (f *failingFeed) setFail(err error) {
	f.mu.Lock()
	f.fail = err
	f.mu.Unlock()
}

func (f *failingFeed) Follow(ctx context.Context, name string, after uint64, h domain.Handler) error {
	f.mu.Lock()
	f.calls++
	err := f.fail
	f.mu.Unlock()
	if err != nil {
		return err
	}
	return f.Feed.Follow(ctx, name, after, h)
}
