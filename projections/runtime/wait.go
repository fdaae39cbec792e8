package runtime

import (
	"container/heap"
	"context"
	"fmt"
)

// waiter is one WaitApplied call blocked until seq is folded; ch is
// closed when it is (or when the runtime closes).
type waiter struct {
	seq uint64
	ch  chan struct{}
	i   int // index in the heap; -1 once removed
}

// waitHeap is a min-heap of waiters by sequence, so a fold wakes only the
// waiters it satisfied.
type waitHeap []*waiter

func (h waitHeap) Len() int           { return len(h) }
func (h waitHeap) Less(i, j int) bool { return h[i].seq < h[j].seq }
func (h waitHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].i, h[j].i = i, j
}
func (h *waitHeap) Push(x any) {
	w := x.(*waiter)
	w.i = len(*h)
	*h = append(*h, w)
}
func (h *waitHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	w.i = -1
	return w
}

// WaitApplied returns nil once the board has folded seq, ctx's error when
// ctx ends first, and ErrStopped when the runtime is closed first. It is
// woken by the fold itself: nothing polls.
func (r *Runtime) WaitApplied(ctx context.Context, seq uint64) error {
	if r.applied.Load() >= seq || r.board.Applied() >= seq {
		return nil
	}
	w := &waiter{seq: seq, ch: make(chan struct{})}
	r.wmu.Lock()
	if r.closed.Load() {
		r.wmu.Unlock()
		return ErrStopped
	}
	// Count first, then look again: the fold stores applied before it
	// reads nwait, so either it sees this waiter or this sees its seq.
	r.nwait.Add(1)
	if r.applied.Load() >= seq {
		r.nwait.Add(-1)
		r.wmu.Unlock()
		return nil
	}
	heap.Push(&r.waiters, w)
	r.wmu.Unlock()
	r.expect(seq)

	select {
	case <-w.ch:
		if r.applied.Load() >= seq {
			return nil
		}
		return ErrStopped
	case <-ctx.Done():
		r.wmu.Lock()
		if w.i >= 0 {
			heap.Remove(&r.waiters, w.i)
			r.nwait.Add(-1)
		}
		r.wmu.Unlock()
		if r.applied.Load() >= seq {
			return nil
		}
		return fmt.Errorf("wait for sequence %d (folded %d): %w", seq, r.applied.Load(), ctx.Err())
	}
}

// wake releases the waiters seq satisfies.
func (r *Runtime) wake(seq uint64) {
	r.wmu.Lock()
	for len(r.waiters) > 0 && r.waiters[0].seq <= seq {
		w := heap.Pop(&r.waiters).(*waiter)
		r.nwait.Add(-1)
		close(w.ch)
	}
	r.wmu.Unlock()
}

// wakeAll releases every waiter (the runtime closed).
func (r *Runtime) wakeAll() {
	r.wmu.Lock()
	for len(r.waiters) > 0 {
		w := heap.Pop(&r.waiters).(*waiter)
		r.nwait.Add(-1)
		close(w.ch)
	}
	r.wmu.Unlock()
}

// WaitCaughtUp returns nil once the board has folded the catch-up target
// (the stream's end at Start, raised by CatchUpTo meanwhile), ctx's error
// when ctx ends first and ErrStopped when the runtime closes first or was
// not started.
func (r *Runtime) WaitCaughtUp(ctx context.Context) error {
	if !r.running() {
		return fmt.Errorf("wait to catch up: %w", ErrStopped)
	}
	for {
		target := r.target.Load()
		if err := r.WaitApplied(ctx, target); err != nil {
			return err
		}
		if r.target.Load() == target {
			return nil
		}
	}
}

// Drain waits until the board has folded everything the stream holds now,
// then saves a checkpoint (when checkpoints are on). Call it before Close
// at shutdown, once the edges stopped writing.
func (r *Runtime) Drain(ctx context.Context) error {
	if !r.running() {
		return ErrStopped
	}
	last, err := r.cfg.Stream.LastSequence(ctx)
	if err != nil {
		return fmt.Errorf("drain: read stream: %w", err)
	}
	r.raise(&r.lastSeq, last)
	if err := r.WaitApplied(ctx, last); err != nil {
		return fmt.Errorf("drain: %w", err)
	}
	if !r.checkpoints() {
		return nil
	}
	if err := r.Checkpoint(ctx); err != nil {
		return fmt.Errorf("drain: %w", err)
	}
	return nil
}
