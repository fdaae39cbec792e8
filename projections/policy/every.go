package policy

import (
	"context"
	"log/slog"
	"time"
)

// runEvery calls tick at once and then every period (def when period is
// not positive) until ctx ends, logging what a tick returns as an error
// under what. The policies' Run loops are this.
func runEvery(ctx context.Context, period, def time.Duration, log *slog.Logger, what string, tick func(context.Context) error) {
	if period <= 0 {
		period = def
	}
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		if err := tick(ctx); err != nil && ctx.Err() == nil {
			log.Warn(what, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
