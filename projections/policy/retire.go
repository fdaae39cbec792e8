package policy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

// Defaults for Retirer.
const (
	DefaultForgetAfter = 7 * 24 * time.Hour
	DefaultRetireEvery = time.Minute
	// retireBatch bounds how many chargers one Tick retires, so a booth
	// that was flooded sheds its made-up chargers over a few ticks rather
	// than in one burst of appends.
	retireBatch = 500
)

// Retirer forgets idle chargers: a charger offline with no open session,
// no pairing and no enrolment, last seen ForgetAfter ago or more, is
// retired by a ChargerRetired event on its subject (decided by its
// aggregate, so two instances store it once and a charger that came back
// meanwhile is not retired). The read models drop it and the Service its
// cached aggregate; a later connection brings it back (subject to
// admission).
type Retirer struct {
	Board   *projections.Board
	Service *domain.Service
	Clock   domain.Clock
	// ForgetAfter is how long a charger must have been idle; 0 or less
	// turns the Retirer off.
	ForgetAfter time.Duration
	// Every is how often to look; DefaultRetireEvery when 0.
	Every time.Duration
	Log   *slog.Logger
}

// Run retires every Every until ctx ends.
func (r *Retirer) Run(ctx context.Context) {
	if r.ForgetAfter <= 0 {
		return
	}
	runCounting(ctx, r.Every, DefaultRetireEvery, r.log(), "retire", r.Tick)
}

// Tick retires the chargers idle now and returns how many it retired.
// A charger that turned out busy (a session opened, it connected, it was
// paired or enrolled meanwhile) is skipped.
func (r *Retirer) Tick(ctx context.Context) (int, error) {
	if r.ForgetAfter <= 0 {
		return 0, nil
	}
	now := r.Clock()
	idle := r.Board.IdleChargers(now.Add(-r.ForgetAfter))
	if len(idle) > retireBatch {
		idle = idle[:retireBatch]
	}
	var (
		n    int
		errs []error
	)
	for _, c := range idle {
		reason := fmt.Sprintf("idle for %s or more with no open session, no pairing and no enrolment", r.ForgetAfter)
		evs, err := r.Service.RetireCharger(ctx, c.ChargerID, reason, c.LastSeen)
		switch domain.ErrorCode(err) {
		case "":
		case domain.CodeSessionOpen, domain.CodeChargerOnline, domain.CodeChargerPaired, domain.CodeChargerEnrolled:
			continue
		default:
			errs = append(errs, fmt.Errorf("retire charger %s: %w", c.ChargerID, err))
			continue
		}
		if len(evs) > 0 {
			n++
			r.log().Info("idle charger retired", "charger", c.ChargerID, "lastSeen", c.LastSeen)
		}
	}
	return n, errors.Join(errs...)
}

func (r *Retirer) log() *slog.Logger { return orDiscard(r.Log) }
