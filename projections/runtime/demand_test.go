package runtime_test

import (
	"errors"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/eventstore/estest"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/chargebooth/chargebooth/projections/runtime"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/oklog/ulid/v2"
)

// demandEnv is an instance's store on a NoEcho connection (as serve makes
// it with embedded NATS), another writer's store on the same server, and
// a board fed on demand from the first.
type demandEnv struct {
	*env
	other *eventstore.Store // another connection: an ops tool, another instance
	js    jetstream.JetStream
	board *projections.Board
	rt    *runtime.Runtime
}

// deafFeed hides WatchForeign's hints when deaf (a lost hint).
type deafFeed struct {
	*eventstore.Store
}

func (deafFeed) WatchForeign(func()) (func(), error) { return func() {}, nil }

// newDemandEnv starts a runtime following on demand; watchEvery is how
// often the stream's end is looked at (the backstop for lost hints).
func newDemandEnv(t *testing.T, watchEvery time.Duration, deaf bool) *demandEnv {
	t.Helper()
	srv := estest.Server(t, t.TempDir(), "127.0.0.1:-1")
	store, nc := estest.Open(t, srv.ClientURL(), nats.NoEcho())
	other, _ := estest.Open(t, srv.ClientURL())
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	e := &demandEnv{env: &env{tb: t, store: store, nc: nc, log: &logBuffer{}}, other: other, js: js}
	e.board = projections.NewBoard(domain.DefaultTariff)
	cfg := e.config(e.board)
	cfg.OnDemand, cfg.WatchEvery = true, watchEvery
	if deaf {
		cfg.Feed = deafFeed{store}
	}
	e.rt = e.start(cfg)
	return e
}

// consumerGone waits until the feed stopped following and its durable
// consumer is removed, and fails after timeout.
func (e *demandEnv) consumerGone(timeout time.Duration) {
	e.tb.Helper()
	deadline := time.Now().Add(timeout)
	for !e.rt.Quiet() {
		if time.Now().After(deadline) {
			e.tb.Fatalf("the feed still follows after %s\n%s", timeout, e.log)
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.consumerAbsent("the feed stopped")
}

// consumerAbsent fails when the runtime's durable consumer exists.
func (e *demandEnv) consumerAbsent(why string) {
	e.tb.Helper()
	if _, err := e.js.Consumer(ctxFor(e.tb, 2*time.Second), eventstore.DefaultStream, "runtime-test"); !errors.Is(err, jetstream.ErrConsumerNotFound) {
		e.tb.Fatalf("%s: the feed follows again (consumer: %v)", why, err)
	}
}

// appendBy stores a ChargerConnected for charger id through st.
func appendBy(tb testing.TB, st *eventstore.Store, id string) domain.Event {
	tb.Helper()
	ev := domain.NewEvent(ulid.Make().String(), t0, id, "", domain.ChargerConnected{Instance: "i1", Conn: id + "@i1", Protocol: "json"})
	res, err := st.Append(ctxFor(tb, 5*time.Second), domain.ChargerKey(id), domain.AnyVersion, []domain.Event{ev})
	if err != nil {
		tb.Fatalf("append: %v", err)
	}
	ev.Seq = res[0].Seq
	return ev
}

// waitFolded waits until the board folded seq, failing after timeout.
func (e *demandEnv) waitFolded(seq uint64, timeout time.Duration, what string) {
	e.tb.Helper()
	deadline := time.Now().Add(timeout)
	for e.board.Applied() < seq {
		if time.Now().After(deadline) {
			e.tb.Fatalf("%s: board at %d, want %d within %s\n%s", what, e.board.Applied(), seq, timeout, e.log)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestOnDemandStopsFollowingOwnAppends: an instance alone on its store
// catches up through the feed, then stops it (the durable consumer is
// removed) and folds what it appends from the offers alone: the store no
// longer delivers its own events back to it.
func TestOnDemandStopsFollowingOwnAppends(t *testing.T) {
	t.Parallel()
	e := newDemandEnv(t, time.Hour, false)
	early := appendBy(t, e.store, "c0") // before any offer: the feed brings it
	e.waitFolded(early.Seq, 5*time.Second, "the catch-up")
	e.consumerGone(5 * time.Second)
	for i := range 20 {
		ev := appendBy(t, e.store, "c"+string(rune('a'+i)))
		e.rt.Offer([]domain.Event{ev})
		if got := e.board.Applied(); got != ev.Seq {
			t.Fatalf("offer %d not folded at once: board at %d, want %d", i, got, ev.Seq)
		}
	}
	time.Sleep(3 * expectGraceForTest)
	e.consumerAbsent("after 20 offered appends")
}

// expectGraceForTest is a little more than the runtime's expectGrace.
const expectGraceForTest = 60 * time.Millisecond

// TestOnDemandFollowsForeignWrites: while the feed is stopped, an event
// another connection stores is folded promptly (its hint restarts the
// feed; the stream's end is looked at only hourly here), and the feed
// stops again once nothing foreign came for a while.
func TestOnDemandFollowsForeignWrites(t *testing.T) {
	t.Parallel()
	e := newDemandEnv(t, time.Hour, false)
	e.consumerGone(5 * time.Second)
	ev := appendBy(t, e.other, "c1")
	e.waitFolded(ev.Seq, 2*time.Second, "a foreign write")
	// Own appends and foreign ones interleaved, all folded in order.
	own := appendBy(t, e.store, "c2")
	foreign := appendBy(t, e.other, "c3")
	e.rt.Offer([]domain.Event{own})
	e.waitFolded(foreign.Seq, 2*time.Second, "a foreign write after an own one")
	e.consumerGone(5 * time.Second)
}

// TestOnDemandFillsGaps: with the feed stopped and no hint, an own append
// nobody offered (its acknowledgement lost) is brought by the feed once a
// later offer waits for it, or once somebody waits for it.
func TestOnDemandFillsGaps(t *testing.T) {
	t.Parallel()
	e := newDemandEnv(t, time.Hour, true)
	e.consumerGone(5 * time.Second)
	lost := appendBy(t, e.store, "c1")
	later := appendBy(t, e.store, "c2")
	e.rt.Offer([]domain.Event{later})
	if got := e.board.Applied(); got >= later.Seq {
		t.Fatalf("the offer folded past a gap: board at %d", got)
	}
	e.waitFolded(later.Seq, 2*time.Second, "the gap before an offer")
	if _, ok := e.board.Charger("c1", t0); !ok {
		t.Fatalf("the un-offered event (seq %d) is not folded", lost.Seq)
	}
	e.consumerGone(5 * time.Second)

	unoffered := appendBy(t, e.store, "c3")
	if err := e.rt.WaitApplied(ctxFor(t, 2*time.Second), unoffered.Seq); err != nil {
		t.Fatalf("waiting for an append nobody offered: %v\n%s", err, e.log)
	}
}

// TestOnDemandLostHint: a foreign write whose hint was lost is folded
// anyway, once the stream's end seen a moment ago is still not folded.
func TestOnDemandLostHint(t *testing.T) {
	t.Parallel()
	e := newDemandEnv(t, 20*time.Millisecond, true)
	e.consumerGone(5 * time.Second)
	ev := appendBy(t, e.other, "c1")
	e.waitFolded(ev.Seq, 2*time.Second, "a foreign write without its hint")
}
