package policy_test

import (
	"context"
	"fmt"
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
	"github.com/chargebooth/chargebooth/projections/runtime/rttest"
	"github.com/oklog/ulid/v2"
)

var t0 = time.Date(2026, 7, 4, 18, 0, 0, 0, time.UTC)

// env is a real embedded store, a board fed from it and a service on it.
type env struct {
	tb    testing.TB
	store *eventstore.Store
	board *projections.Board
	rt    *runtime.Runtime
	clock *testkit.Clock
	svc   *domain.Service
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	_, store, _ := estest.Start(tb)
	e := &env{tb: tb, store: store, board: projections.NewBoard(domain.DefaultTariff), clock: testkit.NewClock(t0)}
	e.svc = e.service()
	e.rt = rttest.Start(tb, e.board, store, "policy-test")
	return e
}

// service returns a new service on e's store, as another instance has
// one: shared, with its own cache.
func (e *env) service() *domain.Service {
	s := domain.NewService(e.store, e.clock.Now, func() string { return ulid.Make().String() }, domain.DefaultTariff)
	s.SetShared(true)
	return s
}

// folded waits until the board folded everything stored.
func (e *env) folded() {
	e.tb.Helper()
	last, err := e.store.LastSequence(ctxFor(e.tb, 5*time.Second))
	if err != nil {
		e.tb.Fatal(err)
	}
	if err := e.rt.WaitApplied(ctxFor(e.tb, 10*time.Second), last); err != nil {
		e.tb.Fatal(err)
	}
}

// events returns the payloads stored for key.
func (e *env) events(key domain.StreamKey) []domain.Payload {
	e.tb.Helper()
	evs, err := e.store.Load(ctxFor(e.tb, 5*time.Second), key, 0)
	if err != nil {
		e.tb.Fatal(err)
	}
	out := make([]domain.Payload, 0, len(evs))
	for _, ev := range evs {
		out = append(out, ev.Data)
	}
	return out
}

// count returns how many of ps have the type of p.
func count(ps []domain.Payload, p domain.Payload) int {
	n := 0
	for _, x := range ps {
		if x.EventType() == p.EventType() {
			n++
		}
	}
	return n
}

// ctxFor is a context ending after d or at the test's end.
func ctxFor(tb testing.TB, d time.Duration) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	tb.Cleanup(cancel)
	return ctx
}

// fakeLeases is the lease port with a settable set of expired instances.
type fakeLeases struct {
	mu      sync.Mutex
	expired []string
	err     error
}

func (f *fakeLeases) set(expired []string, err error) {
	f.mu.Lock()
	f.expired, f.err = expired, err
	f.mu.Unlock()
}

func (f *fakeLeases) Hold(ctx context.Context, instance string) error {
	<-ctx.Done()
	return nil
}

func (f *fakeLeases) Expired(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.expired...), f.err
}

var _ domain.Leases = (*fakeLeases)(nil)

// connectCharger stores charger id connecting on conn.
func (e *env) connectCharger(id, conn string) {
	e.tb.Helper()
	_, inst, _ := cut(conn)
	_, err := e.svc.OnCharger(ctxFor(e.tb, 5*time.Second), id, func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return c.Connect(x, inst, conn, "json", ""), nil
	})
	if err != nil {
		e.tb.Fatalf("connect charger %s: %v", id, err)
	}
}

// connectWidget stores widget id connecting on conn.
func (e *env) connectWidget(id, conn string) {
	e.tb.Helper()
	_, inst, _ := cut(conn)
	ev := e.svc.NewEvent("", "", domain.WidgetConnected{Instance: inst, Conn: conn})
	ev.WidgetID = id
	if err := e.svc.Record(ctxFor(e.tb, 5*time.Second), ev); err != nil {
		e.tb.Fatalf("connect widget %s: %v", id, err)
	}
}

func cut(conn string) (string, string, bool) { return strings.Cut(conn, "@") }

// online describes who the board shows online, for messages.
func online(b *projections.Board) string {
	return fmt.Sprint(b.Online())
}
