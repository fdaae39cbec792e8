package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// restore starts the board from the saved checkpoint, if one is there and
// usable; anything else is logged and ignored, and the board folds from
// sequence 1. A checkpoint ahead of the stream cannot be trusted (the
// stream was reset or truncated) and is ignored too.
func (r *Runtime) restore(ctx context.Context) {
	name := r.cfg.CheckpointName
	data, err := r.cfg.Checkpoints.LoadCheckpoint(ctx, name)
	if err != nil {
		r.log.Warn("checkpoint not read; folding the whole stream", "checkpoint", name, "err", err)
		return
	}
	if data == nil {
		return
	}
	last, err := r.cfg.Stream.LastSequence(ctx)
	if err != nil {
		r.log.Warn("checkpoint not used: stream end not read; folding the whole stream", "checkpoint", name, "err", err)
		return
	}
	seq, err := r.board.Restore(data)
	switch {
	case err != nil:
		r.board.Reset()
		r.log.Warn("checkpoint ignored; folding the whole stream", "checkpoint", name, "err", err)
	case seq > last:
		r.board.Reset()
		r.log.Warn("checkpoint ahead of the stream; folding the whole stream", "checkpoint", name, "seq", seq, "stream", last)
	default:
		r.saved.Store(seq)
		r.log.Info("projections restored from checkpoint", "checkpoint", name, "seq", seq, "stream", last)
	}
}

// Checkpoint saves the board's checkpoint now. It fails when checkpoints
// are off.
func (r *Runtime) Checkpoint(ctx context.Context) error {
	if !r.checkpoints() {
		return errors.New("checkpoints are off")
	}
	// The board is encoded straight into the store's chunks: at 8,000
	// chargers ~7 MB of JSON that is never held whole.
	pr, pw := io.Pipe()
	type encoded struct {
		seq, bytes uint64
		err        error
	}
	done := make(chan encoded, 1)
	go func() {
		cw := &countingWriter{w: pw}
		seq, err := r.board.WriteSnapshot(cw)
		pw.CloseWithError(err) // nil: the reader's EOF
		done <- encoded{seq, cw.n, err}
	}()
	err := r.cfg.Checkpoints.SaveCheckpoint(ctx, r.cfg.CheckpointName, pr)
	pr.CloseWithError(errSaveEnded) // ends the encoding if the save stopped reading
	enc := <-done
	if enc.err != nil && !errors.Is(enc.err, errSaveEnded) {
		return fmt.Errorf("checkpoint: %w", enc.err)
	}
	if err != nil {
		return fmt.Errorf("checkpoint at %d: %w", enc.seq, err)
	}
	r.saved.Store(enc.seq)
	r.log.Debug("checkpoint saved", "checkpoint", r.cfg.CheckpointName, "seq", enc.seq, "bytes", enc.bytes)
	return nil
}

// errSaveEnded is what the encoding meets when the store stopped reading
// the checkpoint before its end.
var errSaveEnded = errors.New("the store stopped reading the checkpoint")

// countingWriter counts what it passes on.
type countingWriter struct {
	w io.Writer
	n uint64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += uint64(n)
	return n, err
}

// Saved returns the sequence the last checkpoint saved or restored by this
// runtime covers (0: none).
func (r *Runtime) Saved() uint64 { return r.saved.Load() }

// checkpointLoop saves a checkpoint every CheckpointEvery while the board
// is caught up and has moved since the last one, until ctx ends.
func (r *Runtime) checkpointLoop(ctx context.Context) {
	if !r.checkpoints() {
		return
	}
	every(ctx, r.cfg.CheckpointEvery, func() {
		if state, _ := r.Status(); state != StateCaughtUp || r.board.Applied() == r.saved.Load() {
			return
		}
		c, cancel := context.WithTimeout(ctx, checkpointTimeout)
		defer cancel()
		if err := r.Checkpoint(c); err != nil && ctx.Err() == nil {
			r.log.Warn("checkpoint not saved", "err", err)
		}
	})
}

// every calls f every d (not at once) until ctx ends.
func every(ctx context.Context, d time.Duration, f func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		f()
	}
}
