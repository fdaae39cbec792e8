package httpapi

import (
	"context"
	"errors"

	"github.com/chargebooth/chargebooth/domain"
)

// errNoWait is what waiting answers when no Config.WaitApplied was given.
var errNoWait = errors.New("no WaitApplied configured")

// waitApplied waits, bounded by the configured limit, until the board has
// applied the last of events, so an answer built from the board (and the
// caller's next GET) reflects them. It reports whether it caught up. The
// wait is Config.WaitApplied, woken by the fold: nothing polls.
func (a *API) waitApplied(ctx context.Context, events []domain.Event) bool {
	var seq uint64
	for _, e := range events {
		seq = max(seq, e.Seq)
	}
	if seq == 0 || a.cfg.Board.Applied() >= seq {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.WaitTimeout)
	defer cancel()
	if err := a.cfg.WaitApplied(ctx, seq); err != nil {
		if a.cfg.Board.Applied() >= seq {
			return true
		}
		a.log.Warn("board behind the store after a command", "want", seq, "applied", a.cfg.Board.Applied(), "err", err)
		return false
	}
	return true
}
