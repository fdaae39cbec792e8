package eventstore_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/eventstore/estest"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/oklog/ulid/v2"
)

// TestWatchForeign: a store on a NoEcho connection hears every append by
// another connection and none of its own; stop ends the hints.
func TestWatchForeign(t *testing.T) {
	srv := estest.Server(t, t.TempDir(), "127.0.0.1:-1")
	own, _ := estest.Open(t, srv.ClientURL(), nats.NoEcho())
	other, _ := estest.Open(t, srv.ClientURL())
	var heard atomic.Int64
	stop, err := own.WatchForeign(func() { heard.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	put := func(st *eventstore.Store, id string) {
		t.Helper()
		ev := domain.NewEvent(ulid.Make().String(), time.Now(), id, "", domain.ChargerConnected{Instance: "i1", Conn: id, Protocol: "json"})
		if _, err := st.Append(ctx, domain.ChargerKey(id), domain.AnyVersion, []domain.Event{ev}); err != nil {
			t.Fatal(err)
		}
	}
	put(own, "c1")
	put(other, "c2")
	put(own, "c3")
	put(other, "c4")
	deadline := time.Now().Add(2 * time.Second)
	for heard.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // an echo of its own would come by now
	if got := heard.Load(); got != 2 {
		t.Fatalf("heard %d writes, want the other connection's 2", got)
	}
	stop()
	put(other, "c5")
	time.Sleep(50 * time.Millisecond)
	if got := heard.Load(); got != 2 {
		t.Fatalf("heard %d writes after stop, want 2", got)
	}
}

// TestUnfollow: the durable consumer is removed (and removing it again is
// no error); a Follow afterwards creates it at the follower's position.
func TestUnfollow(t *testing.T) {
	_, st, nc := estest.Start(t)
	evs := appendMixed(t, st, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fctx, fstop := context.WithCancel(ctx)
	done := make(chan error, 1)
	var got atomic.Uint64
	go func() {
		done <- st.Follow(fctx, "gone", 0, func(e domain.Event) error {
			if got.Add(1) == uint64(len(evs)) {
				fstop()
			}
			return nil
		})
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	if _, err := js.Consumer(ctx, eventstore.DefaultStream, "gone"); err != nil {
		t.Fatalf("no consumer after Follow: %v", err)
	}
	for range 2 {
		if err := st.Unfollow(ctx, "gone"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := js.Consumer(ctx, eventstore.DefaultStream, "gone"); !errors.Is(err, jetstream.ErrConsumerNotFound) {
		t.Fatalf("consumer after Unfollow: %v", err)
	}
	if err := st.Unfollow(ctx, "a.b"); err == nil {
		t.Fatal("Unfollow took an invalid consumer name")
	}
}
