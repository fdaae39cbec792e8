package main

import (
	"context"
	"time"
)

// checkpointName is the key of the projections' checkpoint.
const checkpointName = "board"

// restoreCheckpoint starts the board from the last checkpoint, if one is
// there and usable; anything else is ignored and the board folds from
// sequence 1.
func (m *Main) restoreCheckpoint(ctx context.Context) {
	if m.Config.Checkpoint <= 0 {
		return
	}
	data, err := m.Store.LoadCheckpoint(ctx, checkpointName)
	if err != nil {
		m.Log.Warn("checkpoint not read; folding the whole stream", "err", err)
		return
	}
	if data == nil {
		return
	}
	last, err := m.Store.LastSequence(ctx)
	if err != nil {
		return
	}
	seq, err := m.Board.Restore(data)
	switch {
	case err != nil:
		m.Log.Warn("checkpoint ignored; folding the whole stream", "err", err)
	case seq > last:
		// A checkpoint ahead of the stream cannot be trusted (the stream was
		// reset or truncated): start over.
		m.Log.Warn("checkpoint ahead of the stream; folding the whole stream", "checkpoint", seq, "stream", last)
		m.Board.Reset()
	default:
		m.Log.Info("projections restored from checkpoint", "seq", seq, "stream", last)
	}
}

func (m *Main) saveCheckpoint(ctx context.Context) {
	if m.Config.Checkpoint <= 0 {
		return
	}
	data, seq, err := m.Board.Snapshot()
	if err == nil {
		err = m.Store.SaveCheckpoint(ctx, checkpointName, data)
	}
	if err != nil {
		m.Log.Warn("checkpoint not saved", "err", err)
		return
	}
	m.Log.Debug("checkpoint saved", "seq", seq, "bytes", len(data))
}

func (m *Main) checkpointLoop(ctx context.Context) {
	if m.Config.Checkpoint <= 0 {
		return
	}
	t := time.NewTicker(m.Config.Checkpoint)
	defer t.Stop()
	var last uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if m.ready() != nil || m.Board.Applied() == last {
			continue
		}
		last = m.Board.Applied()
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		m.saveCheckpoint(c)
		cancel()
	}
}
