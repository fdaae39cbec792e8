package httpapi

import (
	"context"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// waitApplied waits, bounded by the configured limit, until the board has
// applied the last of events, so an answer built from the board (and the
// caller's next GET) reflects them. It reports whether it caught up.
func (a *API) waitApplied(ctx context.Context, events []domain.Event) bool {
	var seq uint64
	for _, e := range events {
		seq = max(seq, e.Seq)
	}
	if seq == 0 || a.cfg.Board.Applied() >= seq {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.WaitApplied)
	defer cancel()
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			caught := a.cfg.Board.Applied() >= seq
			if !caught {
				a.log.Warn("board behind the store after a command", "want", seq, "applied", a.cfg.Board.Applied())
			}
			return caught
		case <-t.C:
			if a.cfg.Board.Applied() >= seq {
				return true
			}
		}
	}
}
