package rttest

import (
	"context"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/chargebooth/chargebooth/projections/runtime"
)

// Store is what the runtime reads: the stream in order and its last
// sequence (an *eventstore.Store is one).
type Store interface {
	domain.Feed
	runtime.Stream
}

// startTimeout bounds the runtime's catching up at start.
const startTimeout = 10 * time.Second

// Start starts a runtime that feeds board from store under the durable
// consumer name consumer, waits until it has caught up, and closes it
// when the test ends (after the cleanups registered later, which run
// first).
func Start(tb testing.TB, board *projections.Board, store Store, consumer string) *runtime.Runtime {
	tb.Helper()
	rt, err := runtime.New(runtime.Config{Board: board, Feed: store, Stream: store, Consumer: consumer})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := rt.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = rt.Close() })
	return rt
}
