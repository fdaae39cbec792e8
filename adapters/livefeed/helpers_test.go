package livefeed_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/livefeed"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/eventstore/estest"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/chargebooth/chargebooth/projections/runtime/rttest"
	"github.com/nats-io/nats.go"
)

// env is a feed on a board that the projection runtime feeds from a real
// embedded JetStream store.
type env struct {
	t     testing.TB
	store *eventstore.Store
	nc    *nats.Conn
	board *projections.Board
	feed  *livefeed.Feed
}

func newEnv(tb testing.TB, queue int) *env {
	tb.Helper()
	return newEnvWith(tb, livefeed.Config{Queue: queue})
}

// newEnvWith is newEnv with the feed's cfg (Board and History are set).
func newEnvWith(tb testing.TB, cfg livefeed.Config) *env {
	tb.Helper()
	_, store, nc := estest.Start(tb)
	e := &env{t: tb, store: store, nc: nc, board: projections.NewBoard(domain.DefaultTariff)}
	rttest.Start(tb, e.board, store, "livefeed-test")
	cfg.Board, cfg.History = e.board, store
	e.feed = livefeed.New(cfg)
	tb.Cleanup(e.feed.Close)
	return e
}

// append stores events of one charger and returns their sequences. A
// store that is briefly unavailable (its probe finds no leader on a
// loaded machine) is tried again: a re-sent event is stored once.
func (e *env) append(events ...domain.Event) []uint64 {
	e.t.Helper()
	var (
		res     []domain.Appended
		refused error
	)
	err := testkit.Poll(10*time.Second, 20*time.Millisecond, func() error {
		var err error
		res, err = e.store.Append(context.Background(), events[0].Key(), domain.AnyVersion, events)
		if err != nil && !errors.Is(err, domain.ErrUnavailable) {
			refused = err
			return nil
		}
		return err
	})
	if err == nil {
		err = refused
	}
	if err != nil {
		e.t.Errorf("append %s: %v", events[0].Type, err) // Errorf: writers run on goroutines
		return nil
	}
	out := make([]uint64, len(res))
	for i, r := range res {
		out[i] = r.Seq
	}
	return out
}

// readings stores n readings of charger, one append each.
func (e *env) readings(charger string, n int) []uint64 {
	e.t.Helper()
	var out []uint64
	for i := range n {
		out = append(out, e.append(estest.Reading(charger, float64(i%101)))...)
	}
	return out
}

// caughtUp waits until the board applied everything stored.
func (e *env) caughtUp() uint64 {
	e.t.Helper()
	var last uint64
	checkFor(e.t, func() error {
		var err error
		last, err = e.store.LastSequence(context.Background())
		if err != nil {
			return err
		}
		if got := e.board.Applied(); got < last {
			return fmt.Errorf("board at %d, stream at %d", got, last)
		}
		return nil
	})
	return last
}

func (e *env) subscribe(flt livefeed.Filter) *livefeed.Sub {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e.t.Cleanup(cancel)
	s, err := e.feed.Subscribe(ctx, flt)
	if err != nil {
		e.t.Fatalf("subscribe %+v: %v", flt, err)
	}
	return s
}

// next returns the Sub's next message, failing after 10 s.
func next(tb testing.TB, s *livefeed.Sub) livefeed.Message {
	tb.Helper()
	select {
	case m, ok := <-s.C():
		if !ok {
			tb.Fatalf("sub ended: %v", s.Err())
		}
		return m
	case <-time.After(10 * time.Second):
		tb.Fatalf("no message in 10s")
	}
	return livefeed.Message{}
}

// until reads messages up to and including the one match accepts.
func until(tb testing.TB, s *livefeed.Sub, match func(livefeed.Message) bool) []livefeed.Message {
	tb.Helper()
	var out []livefeed.Message
	for {
		m := next(tb, s)
		out = append(out, m)
		if match(m) {
			return out
		}
	}
}

func isMarker(m livefeed.Message) bool { return m.Kind == livefeed.KindRecovery }

func atSeq(seq uint64) func(livefeed.Message) bool {
	return func(m livefeed.Message) bool { return m.Seq >= seq }
}

// seqs returns the positions of the event messages in ms.
func seqs(ms []livefeed.Message) []uint64 {
	var out []uint64
	for _, m := range ms {
		if m.Event != nil {
			out = append(out, m.Seq)
		}
	}
	return out
}

// span returns from, from+1, …, to.
func span(from, to uint64) []uint64 {
	var out []uint64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

func sameSeqs(tb testing.TB, what string, got, want []uint64) {
	tb.Helper()
	if fmt.Sprint(got) == fmt.Sprint(want) {
		return
	}
	if len(got) > 20 || len(want) > 20 {
		tb.Fatalf("%s: got %d positions %v…%v, want %d %v…%v", what, len(got), head(got), tail(got), len(want), head(want), tail(want))
	}
	tb.Fatalf("%s: got %v, want %v", what, got, want)
}

func head(s []uint64) []uint64 { return s[:min(5, len(s))] }
func tail(s []uint64) []uint64 { return s[max(0, len(s)-5):] }

// recovery decodes a marker's JSON.
func recovery(tb testing.TB, m livefeed.Message) livefeed.Recovery {
	tb.Helper()
	var r livefeed.Recovery
	if err := json.Unmarshal(m.JSON(), &r); err != nil {
		tb.Fatalf("marker %s: %v", m.JSON(), err)
	}
	return r
}

func checkFor(tb testing.TB, f func() error) {
	tb.Helper()
	testkit.CheckFor(tb, 10*time.Second, f)
}

func itoa(n int) string { return strconv.Itoa(n) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }
