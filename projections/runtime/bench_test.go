package runtime_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/chargebooth/chargebooth/projections/runtime"
)

// sliceFeed delivers events from memory, then waits for ctx: the fold's
// own cost without the store's.
type sliceFeed struct{ events []domain.Event }

func (f *sliceFeed) Follow(ctx context.Context, _ string, after uint64, h domain.Handler) error {
	for _, e := range f.events[after:] {
		if err := h(e); err != nil {
			return err
		}
	}
	<-ctx.Done()
	return nil
}

func (f *sliceFeed) LastSequence(context.Context) (uint64, error) { return 0, nil }

func readings(n int) []domain.Event {
	out := make([]domain.Event, n)
	for i := range out {
		c := fmt.Sprintf("c%d", i%100)
		out[i] = domain.NewEvent(fmt.Sprint(i), t0, c, "s-"+c, domain.SoCReported{SoC: float64(i % 100), Status: domain.StatusCharging})
		out[i].Seq = uint64(i + 1)
	}
	return out
}

// BenchmarkFold compares the board folding alone with the runtime feeding
// it (nobody waiting): the runtime's share per event should be a few
// atomics and no allocation.
func BenchmarkFold(b *testing.B) {
	b.Run("board", func(b *testing.B) {
		evs := readings(b.N)
		board := projections.NewBoard(domain.DefaultTariff)
		b.ReportAllocs()
		b.ResetTimer()
		for _, e := range evs {
			if err := board.Apply(e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("runtime", func(b *testing.B) {
		feed := &sliceFeed{events: readings(b.N)}
		board := projections.NewBoard(domain.DefaultTariff)
		rt, err := runtime.New(runtime.Config{Board: board, Feed: feed, Stream: feed, Consumer: "bench", WatchEvery: time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		defer rt.Close()
		b.ReportAllocs()
		b.ResetTimer()
		if err := rt.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		if err := rt.WaitApplied(context.Background(), uint64(b.N)); err != nil {
			b.Fatal(err)
		}
	})
}
