package policy

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

// DefaultUnclaimedEvery is how often Unclaimed looks when Every is 0.
const DefaultUnclaimedEvery = 15 * time.Second

// Unclaimed marks the phones still at the booth at its closing time: at
// the latest closing at or before now, every session opened before it and
// not handed back gets a session.unclaimed event, once per session and
// night. It is a durable timer: a closing that passed while the server was
// down is marked when it is back. The mark is decided by the charger
// aggregate (optimistic concurrency) with an id derived from the charger,
// the session and the night, so instances running it side by side, or a
// restart, store it once. The session stays open: its phone can be handed
// back the next day.
type Unclaimed struct {
	Board   *projections.Board
	Service *domain.Service
	Clock   domain.Clock
	Closing domain.Closing
	// Every is how often to look; 0 is DefaultUnclaimedEvery.
	Every time.Duration
	// Log receives what was marked and what failed; nil discards.
	Log *slog.Logger
}

// Run marks every Every until ctx ends.
func (u *Unclaimed) Run(ctx context.Context) {
	runCounting(ctx, u.Every, DefaultUnclaimedEvery, u.log(), "unclaimed", u.Tick)
}

// Tick marks the sessions open at the last closing and returns how many
// marks it stored (a mark another instance stored at the same moment may
// be counted by both: the store keeps it once).
func (u *Unclaimed) Tick(ctx context.Context) (int, error) {
	closes := u.Closing.Last(u.Clock())
	night := u.Closing.Night(closes)
	var (
		n    int
		errs []error
	)
	for _, cid := range u.Board.Unclaimable(closes, night) {
		evs, err := u.Service.OnCharger(ctx, cid, func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
			return c.MarkUnclaimed(x, u.Closing, closes), nil
		})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range evs {
			n++
			u.log().Info("phone unclaimed at closing", "charger", cid, "session", e.SessionID, "night", night)
		}
	}
	return n, errors.Join(errs...)
}

func (u *Unclaimed) log() *slog.Logger { return orDiscard(u.Log) }
