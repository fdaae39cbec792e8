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

// runCounting is runEvery for a tick that also says how many events it
// stored (Tick's count, for tests; the loop drops it).
func runCounting(ctx context.Context, period, def time.Duration, log *slog.Logger, what string, tick func(context.Context) (int, error)) {
	runEvery(ctx, period, def, log, what, func(ctx context.Context) error {
		_, err := tick(ctx)
		return err
	})
}

// orDiscard returns l, or a logger that discards when l is nil (a
// policy's Log left unset).
func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
