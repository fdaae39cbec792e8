package policy

import (
	"context"
	"log/slog"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

// Reminders raises the durable timers: the overdue reminder of a charged
// phone not collected in time, and scheduled staff notices. Each fires once:
// the decision goes through the aggregate (optimistic concurrency), so a
// timer that came due while the server was down fires once when it is back,
// and two instances never both fire it.
type Reminders struct {
	Board        *projections.Board
	Service      *domain.Service
	Clock        domain.Clock
	CollectAfter time.Duration
	Every        time.Duration // how often to look; default 1s
	Log          *slog.Logger
}

// Run checks for due timers until ctx ends.
func (r *Reminders) Run(ctx context.Context) {
	runEvery(ctx, r.Every, time.Second, slog.New(slog.DiscardHandler), "reminders", func(ctx context.Context) error {
		r.Tick(ctx)
		return nil
	})
}

// Tick fires whatever is due now.
func (r *Reminders) Tick(ctx context.Context) {
	now := r.Clock()
	if r.CollectAfter > 0 {
		for _, cid := range r.Board.Overdue(now, r.CollectAfter) {
			_, err := r.Service.OnCharger(ctx, cid, func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
				return c.MarkOverdue(x, r.CollectAfter), nil
			})
			if err != nil && r.Log != nil {
				r.Log.Warn("overdue reminder", "charger", cid, "err", err)
			}
		}
	}
	for _, n := range r.Board.Notices() {
		if n.Fired || n.At.After(now) {
			continue
		}
		id := n.NoticeID
		_, err := r.Service.OnNotices(ctx, func(ns *domain.Notices, x domain.Ctx) ([]domain.Event, error) {
			return ns.Fire(x, id), nil
		})
		if err != nil && r.Log != nil {
			r.Log.Warn("notice", "notice", id, "err", err)
		}
	}
}
