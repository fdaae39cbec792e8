package main

import (
	"errors"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/nats-io/nats.go/jetstream"
)

// TestEmbeddedFollowsOnDemand: with embedded NATS the instance removes
// its projections consumer once caught up and keeps it removed while its
// own readings arrive over a real charger socket and are folded: they are
// not echoed back to its subscription on the stream's subjects (NoEcho),
// so nothing makes it follow again. Fails without OnDemand or without
// NoEcho.
func TestEmbeddedFollowsOnDemand(t *testing.T) {
	m := startMain(t, t.TempDir())
	js, err := jetstream.New(m.NC)
	if err != nil {
		t.Fatal(err)
	}
	gone := func() bool {
		_, err := js.Consumer(t.Context(), eventstore.DefaultStream, "projections-t")
		return errors.Is(err, jetstream.ErrConsumerNotFound)
	}
	checkFor(t, 10*time.Second, gone)
	sendReadings(t, m, "c1234", "40", "85")
	checkFor(t, 5*time.Second, func() bool {
		ch, ok := m.Board.Charger("c1234", time.Now())
		return ok && ch.SoC != nil && *ch.SoC == 85
	})
	for range 25 {
		if !gone() {
			t.Fatal("the instance follows its stream again after its own readings")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
