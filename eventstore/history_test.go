package eventstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore/estest"
	"github.com/chargebooth/chargebooth/internal/testkit"
)

// TestHistory: the stream's bounds and the position of a time, before
// and after retention dropped the oldest events.
func TestHistory(t *testing.T) {
	_, st, nc := estest.Start(t)
	bounds := func() (uint64, uint64) {
		t.Helper()
		first, err := st.FirstSequence(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		last, err := st.LastSequence(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		return first, last
	}
	if first, last := bounds(); first != 1 || last != 0 {
		t.Errorf("empty stream: got first %d last %d, want 1 0", first, last)
	}
	if got, err := st.SequenceAt(ctxT(t), time.Now()); err != nil || got != 1 {
		t.Errorf("SequenceAt on an empty stream: got %d (%v), want 1", got, err)
	}

	key := domain.ChargerKey(newCharger("history"))
	appendOK(t, st, key, domain.AnyVersion, readings(key.ID, 5)...) // 1…5
	mid := time.Now()
	testkit.CheckFor(t, time.Second, func() error { // the stream's clock passes mid
		if time.Since(mid) < 5*time.Millisecond {
			return errors.New("not yet")
		}
		return nil
	})
	appendOK(t, st, key, domain.AnyVersion, readings(key.ID, 3)...) // 6…8
	tests := []struct {
		name string
		at   time.Time
		want uint64
	}{
		{"before the first", mid.Add(-time.Hour), 1},
		{"between", mid, 6},
		{"after the last", time.Now().Add(time.Hour), 9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := st.SequenceAt(ctxT(t), tc.at); err != nil || got != tc.want {
				t.Errorf("SequenceAt: got %d (%v), want %d", got, err, tc.want)
			}
		})
	}
	if first, last := bounds(); first != 1 || last != 8 {
		t.Errorf("8 events: got first %d last %d, want 1 8", first, last)
	}
	estest.DropBefore(t, nc, st, 4)
	if first, last := bounds(); first != 4 || last != 8 {
		t.Errorf("after dropping 1…3: got first %d last %d, want 4 8", first, last)
	}
	if got, err := st.SequenceAt(ctxT(t), mid.Add(-time.Hour)); err != nil || got != 4 {
		t.Errorf("SequenceAt before the oldest held: got %d (%v), want 4", got, err)
	}
	var seqs []uint64
	if err := st.ReadAll(ctxT(t), 2, func(e domain.Event) error {
		seqs = append(seqs, e.Seq)
		return nil
	}); err != nil || len(seqs) != 5 || seqs[0] != 4 {
		t.Errorf("ReadAll from a dropped position: got %v (%v), want 4…8", seqs, err)
	}
	estest.DropBefore(t, nc, st, 9)
	if first, last := bounds(); first != 9 || last != 8 {
		t.Errorf("after dropping everything: got first %d last %d, want 9 8", first, last)
	}
}
