package projections_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

// booth folds n paired chargers with an open session each and returns the
// board and the next sequence.
func booth(tb testing.TB, n int) (*projections.Board, uint64) {
	tb.Helper()
	b := projections.NewBoard(domain.DefaultTariff)
	var seq uint64
	apply := func(charger, session string, p domain.Payload) {
		seq++
		e := domain.NewEvent(fmt.Sprintf("e%d", seq), t0, charger, session, p)
		e.Seq = seq
		if err := b.Apply(e); err != nil {
			tb.Fatal(err)
		}
	}
	for i := range n {
		c, w, s := fmt.Sprintf("c%d", i), fmt.Sprintf("w%d", i), fmt.Sprintf("s%d", i)
		apply(c, "", domain.PairingSet{ChargerID: c, WidgetID: w})
		apply(c, "", domain.ChargerConnected{Conn: "k", Protocol: "json"})
		apply(c, s, domain.SessionOpened{By: domain.OpenedByReading})
	}
	return b, seq + 1
}

// BenchmarkApplyReading folds readings of open sessions, the hot path
// (30,000 a second at a big booth), with one listener.
func BenchmarkApplyReading(b *testing.B) {
	const n = 100
	board, seq := booth(b, n)
	board.Listen(func(projections.Update) {})
	events := make([]domain.Event, n)
	for i := range events {
		events[i] = domain.NewEvent("r", t0.Add(time.Second), fmt.Sprintf("c%d", i), fmt.Sprintf("s%d", i),
			domain.SoCReported{SoC: float64(i % 101)})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := events[i%n]
		e.Seq = seq + uint64(i)
		if err := board.Apply(e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSnapshot encodes a booth of 500 chargers.
func BenchmarkSnapshot(b *testing.B) {
	board, _ := booth(b, 500)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := board.Snapshot(); err != nil {
			b.Fatal(err)
		}
	}
}
