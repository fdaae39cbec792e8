package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/chargebooth/chargebooth/projections/runtime"
)

func TestCheckpointSavedAndRestored(t *testing.T) {
	e := newEnv(t)
	first := e.connectMany(30)
	b1 := projections.NewBoard(domain.DefaultTariff)
	cfg := e.config(b1)
	cfg.Checkpoints, cfg.CheckpointEvery = e.store, 20*time.Millisecond
	rt1 := e.start(cfg)
	// The periodic loop saves once the board caught up.
	testkit.CheckFor(t, 10*time.Second, func() error {
		if got := rt1.Saved(); got != first {
			return fmt.Errorf("checkpoint at %d, want %d", got, first)
		}
		return nil
	})
	if err := rt1.Close(); err != nil {
		t.Fatal(err)
	}

	last := e.connectMany(4)
	b2 := projections.NewBoard(domain.DefaultTariff)
	cfg.Board = b2
	rt2 := e.start(cfg)
	if err := rt2.WaitCaughtUp(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, want := b2.Applied(), last; got != want {
		t.Errorf("applied: got %d, want %d", got, want)
	}
	if got, want := b2.Folded(), last-first; got != want {
		t.Errorf("folded after the restore: got %d, want %d (only what came after the checkpoint)", got, want)
	}
	// The restored board equals a full fold.
	b3 := projections.NewBoard(domain.DefaultTariff)
	cfg3 := e.config(b3)
	cfg3.Consumer = "runtime-test-full"
	if err := e.start(cfg3).WaitApplied(ctxFor(t, 10*time.Second), last); err != nil {
		t.Fatal(err)
	}
	if d := projections.Diff(b2, b3); len(d) > 0 {
		t.Errorf("restored board differs from a full fold: %v", d)
	}
}

func TestCheckpointIgnored(t *testing.T) {
	// A board folded to sequence 1000, further than any stream here.
	ahead := projections.NewBoard(domain.DefaultTariff)
	ev := domain.NewEvent("e1", t0, "c9", "", domain.ChargerConnected{Conn: "1@gone"})
	ev.Seq = 1000
	if err := ahead.Apply(ev); err != nil {
		t.Fatal(err)
	}
	aheadData, _, err := ahead.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		data  []byte
		every time.Duration
	}{
		{"ahead of the stream", aheadData, time.Minute},
		{"does not decode", []byte("{broken"), time.Minute},
		{"checkpoints off", nil, 0}, // a good checkpoint is there but not read
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			last := e.connectMany(5)
			data := tt.data
			if data == nil {
				good := projections.NewBoard(domain.DefaultTariff)
				cfg := e.config(good)
				cfg.Checkpoints, cfg.CheckpointEvery = e.store, time.Minute
				rt := e.start(cfg)
				if err := rt.Drain(ctxFor(t, 10*time.Second)); err != nil {
					t.Fatal(err)
				}
				_ = rt.Close()
				if data, _, err = good.Snapshot(); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.store.SaveCheckpoint(ctxFor(t, 5*time.Second), runtime.DefaultCheckpointName, bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			b := projections.NewBoard(domain.DefaultTariff)
			cfg := e.config(b)
			cfg.Consumer = "runtime-test-2"
			cfg.Checkpoints, cfg.CheckpointEvery = e.store, tt.every
			rt := e.start(cfg)
			if err := rt.WaitCaughtUp(ctxFor(t, 10*time.Second)); err != nil {
				t.Fatal(err)
			}
			if got, want := b.Folded(), last; got != want {
				t.Errorf("folded: got %d, want %d (the whole stream)", got, want)
			}
			if got, want := b.Applied(), last; got != want {
				t.Errorf("applied: got %d, want %d", got, want)
			}
			if _, ok := b.Charger("c9", t0); ok {
				t.Error("the ignored checkpoint's charger c9 is on the board")
			}
		})
	}
}

func TestDrain(t *testing.T) {
	e := newEnv(t)
	b, feed, cfg := e.heldConfig()
	cfg.Checkpoints, cfg.CheckpointEvery = e.store, time.Hour // only Drain saves
	rt := e.start(cfg)
	last := e.connectMany(25)

	drained := make(chan error, 1)
	go func() { drained <- rt.Drain(ctxFor(t, 10*time.Second)) }()
	close(feed.open)
	if err := <-drained; err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if got := b.Applied(); got != last {
		t.Errorf("applied after Drain: got %d, want %d", got, last)
	}
	if got := rt.Saved(); got != last {
		t.Errorf("checkpoint after Drain: got %d, want %d", got, last)
	}
	data, err := e.store.LoadCheckpoint(ctxFor(t, 5*time.Second), runtime.DefaultCheckpointName)
	if err != nil {
		t.Fatal(err)
	}
	seq, err := projections.NewBoard(domain.DefaultTariff).Restore(data)
	if err != nil || seq != last {
		t.Errorf("stored checkpoint: got seq %d, %v, want %d", seq, err, last)
	}

	t.Run("bounded by ctx", func(t *testing.T) {
		rt2 := e.start(runtime.Config{Board: projections.NewBoard(domain.DefaultTariff),
			Feed: &gatedFeed{Feed: e.store, open: make(chan struct{})}, Stream: e.store, Consumer: "never"})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if err := rt2.Drain(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Drain of a stuck feed: got %v, want %v", err, context.DeadlineExceeded)
		}
	})
	t.Run("stopped", func(t *testing.T) {
		_ = rt.Close()
		if err := rt.Drain(context.Background()); !errors.Is(err, runtime.ErrStopped) {
			t.Errorf("Drain after Close: got %v, want %v", err, runtime.ErrStopped)
		}
	})
}

// A checkpoint the store refuses (here: its context already ended) ends
// its encoding too and saves nothing; the next one is saved whole.
func TestCheckpointRefusedThenSaved(t *testing.T) {
	e := newEnv(t)
	b := projections.NewBoard(domain.DefaultTariff)
	cfg := e.config(b)
	cfg.Checkpoints, cfg.CheckpointEvery = e.store, time.Hour
	rt := e.start(cfg)
	last := e.connectMany(25)
	if err := rt.WaitApplied(ctxFor(t, 10*time.Second), last); err != nil {
		t.Fatal(err)
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() { done <- rt.Checkpoint(ended) }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a checkpoint with an ended context was saved")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a refused checkpoint did not return: its encoding is stuck")
	}
	if got := rt.Saved(); got != 0 {
		t.Fatalf("Saved = %d after a refused checkpoint, want 0", got)
	}
	if err := rt.Checkpoint(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	data, err := e.store.LoadCheckpoint(ctxFor(t, 5*time.Second), runtime.DefaultCheckpointName)
	if err != nil {
		t.Fatal(err)
	}
	if seq, err := projections.NewBoard(domain.DefaultTariff).Restore(data); err != nil || seq != last {
		t.Fatalf("saved checkpoint: seq %d, %v; want %d", seq, err, last)
	}
}
