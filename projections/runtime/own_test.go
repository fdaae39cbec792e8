package runtime_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/chargebooth/chargebooth/projections/runtime"
	"github.com/oklog/ulid/v2"
)

// appendConnected stores a ChargerConnected for charger id and returns it
// as an instance's service hands it to Offer: with its sequence.
func (e *env) appendConnected(id, conn string) domain.Event {
	e.tb.Helper()
	ev := domain.NewEvent(ulid.Make().String(), t0, id, "", domain.ChargerConnected{Instance: "i1", Conn: conn, Protocol: "json"})
	res, err := e.store.Append(ctxFor(e.tb, 5*time.Second), domain.ChargerKey(id), domain.AnyVersion, []domain.Event{ev})
	if err != nil {
		e.tb.Fatalf("append: %v", err)
	}
	ev.Seq = res[0].Seq
	return ev
}

// TestOfferFoldsOwnAppendsInOrder: what an instance appended is folded as
// soon as it is offered, in stream order whatever the order of the
// offers, while the feed is held back; the feed then skips it and still
// brings what nobody offered.
func TestOfferFoldsOwnAppendsInOrder(t *testing.T) {
	e := newEnv(t)
	b, feed, cfg := e.heldConfig()
	rt, err := runtime.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	early := e.appendConnected("c0", "early@i1")
	rt.Offer([]domain.Event{early}) // not started: ignored, the feed brings it
	if got := b.Applied(); got != 0 {
		t.Fatalf("an offer before Start folded: applied %d", got)
	}
	if err := rt.Start(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close() })

	x := e.appendConnected("c1", "1@i1")
	y := e.appendConnected("c2", "2@i1")
	z := e.appendConnected("c3", "3@i1")
	if b.Applied() != 0 {
		t.Fatalf("the held feed folded: applied %d", b.Applied())
	}
	// Nothing before early is folded yet: an offer of x waits for it.
	rt.Offer([]domain.Event{z})
	rt.Offer([]domain.Event{x})
	if got := b.Applied(); got != 0 {
		t.Fatalf("offers folded past a gap: applied %d, want 0 (early, seq %d, not folded)", got, early.Seq)
	}
	// The feed brings early (nobody offered it after Start); x, y and z
	// are then folded from the offers and the feed, in order.
	close(feed.open)
	rt.Offer([]domain.Event{y})
	if err := rt.WaitApplied(ctxFor(t, 10*time.Second), z.Seq); err != nil {
		t.Fatal(err)
	}
	w := e.appendConnected("c4", "4@i1") // never offered
	if err := rt.WaitApplied(ctxFor(t, 10*time.Second), w.Seq); err != nil {
		t.Fatalf("an event nobody offered is not folded from the feed: %v", err)
	}
	for i, id := range []string{"c0", "c1", "c2", "c3", "c4"} {
		if !chargerOnline(b, id) {
			t.Errorf("charger %s (event %d) not folded", id, i)
		}
	}
}

// TestOfferFoldsBeforeTheFeed: with the feed held back, offers alone move
// the board on, one sequence after the other, and wake the waiters.
func TestOfferFoldsBeforeTheFeed(t *testing.T) {
	e := newEnv(t)
	b, feed, cfg := e.heldConfig()
	rt := e.start(cfg)
	t.Cleanup(func() { close(feed.open) })

	var evs []domain.Event
	for i := range 5 {
		evs = append(evs, e.appendConnected(fmt.Sprintf("c%d", i), fmt.Sprintf("%d@i1", i)))
	}
	done := make(chan error, 1)
	go func() { done <- rt.WaitApplied(ctxFor(t, 10*time.Second), evs[4].Seq) }()
	// Offered out of order, in two batches.
	rt.Offer([]domain.Event{evs[3], evs[1], evs[4]})
	if got := b.Applied(); got != 0 {
		t.Fatalf("applied %d before the first event was offered, want 0", got)
	}
	rt.Offer([]domain.Event{evs[2], evs[0]})
	if got := b.Applied(); got != evs[4].Seq {
		t.Fatalf("applied %d after every event was offered, want %d", got, evs[4].Seq)
	}
	if err := <-done; err != nil {
		t.Fatalf("a waiter was not woken by the offers: %v", err)
	}
	// Offered again (a duplicate, or the feed's copy): ignored.
	rt.Offer(evs)
	if got := b.Applied(); got != evs[4].Seq {
		t.Fatalf("applied %d after offering folded events again, want %d", got, evs[4].Seq)
	}
	_ = rt.Close()
	late := e.appendConnected("c9", "9@i1")
	rt.Offer([]domain.Event{late})
	if chargerOnline(b, "c9") {
		t.Error("an offer after Close was folded")
	}
}

// chargerOnline reports whether the board shows charger id connected.
func chargerOnline(b *projections.Board, id string) bool {
	for _, s := range b.Online() {
		if s.Kind == domain.KindCharger && s.ID == id {
			return true
		}
	}
	return false
}
