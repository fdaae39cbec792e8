package runtime

import (
	"context"
	"errors"
	"fmt"
)

// States Status reports.
const (
	// StateCaughtUp: the board folded the catch-up target (the stream's end
	// at Start, raised by CatchUpTo) and the feed is running.
	StateCaughtUp = "caught-up"
	// StateBehind: the board is still folding towards the target, or the
	// feed failed and is about to be followed again.
	StateBehind = "behind"
	// StateStopped: not started yet, or closed.
	StateStopped = "stopped"
)

// Status tells how far the board got: one of the State… constants and,
// unless caught up, why. It reads no store.
func (r *Runtime) Status() (state, reason string) {
	r.mu.Lock()
	started, closed, ferr := r.started, r.closed.Load(), r.followErr
	r.mu.Unlock()
	switch {
	case closed:
		return StateStopped, "closed"
	case !started:
		return StateStopped, "not started"
	case ferr != nil:
		return StateBehind, "projection feed failed, following again: " + ferr.Error()
	}
	if applied, target := r.board.Applied(), r.target.Load(); applied < target {
		return StateBehind, fmt.Sprintf("projections catching up: %d of %d events", applied, target)
	}
	return StateCaughtUp, ""
}

// CaughtUp returns nil once the board has folded what the stream held at
// start (the store's own state aside), else an error saying how far it
// is: what a device admission asks before trusting that an id it does
// not know is really unknown.
func (r *Runtime) CaughtUp() error {
	if state, reason := r.Status(); state != StateCaughtUp {
		return errors.New(reason)
	}
	return nil
}

// Ready returns nil when the board is caught up and the store (through
// Config.StoreReady, when set) can store now; otherwise an error saying
// why. It is what /readyz answers.
func (r *Runtime) Ready() error {
	if err := r.CaughtUp(); err != nil {
		return err
	}
	if r.cfg.StoreReady == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeReadyTimeout)
	defer cancel()
	if err := r.cfg.StoreReady(ctx); err != nil {
		return fmt.Errorf("store not ready: %w", err)
	}
	return nil
}

// CatchUpTo raises the catch-up target to seq (never lowers it): after
// start-up writes (the pairings file), the board is caught up only once
// they are folded too.
func (r *Runtime) CatchUpTo(seq uint64) {
	r.raise(&r.target, seq)
	r.raise(&r.lastSeq, seq)
	r.expect(seq)
}

// LastSeq returns the stream's last sequence as last seen (refreshed every
// Config.WatchEvery), for the lag metric.
func (r *Runtime) LastSeq() uint64 { return r.lastSeq.Load() }

// Applied returns the sequence the board has folded up to.
func (r *Runtime) Applied() uint64 { return r.board.Applied() }

// watchStream keeps lastSeq fresh until ctx ends.
func (r *Runtime) watchStream(ctx context.Context) {
	every(ctx, r.cfg.WatchEvery, func() {
		c, cancel := context.WithTimeout(ctx, lastSeqTimeout)
		seq, err := r.cfg.Stream.LastSequence(c)
		cancel()
		if err == nil {
			r.lastSeq.Store(seq)
		} else if ctx.Err() == nil {
			r.log.Debug("stream end not read", "err", err)
		}
	})
}
