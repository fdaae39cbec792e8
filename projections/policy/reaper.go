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

// DefaultReapEvery is how often a Reaper looks when Every is 0.
const DefaultReapEvery = 5 * time.Second

// Reaper marks offline the chargers and widgets whose socket was held by
// an instance whose lease expired: that instance died (kill -9, a lost
// box) without recording the disconnects, so the survivors record them.
//
// Two survivors reaping at once store one ChargerDisconnected per socket:
// it is decided by the charger aggregate (Charger.Disconnect emits only
// while that connection is still the charger's online one, under
// optimistic concurrency). Widget presence has no aggregate; its
// WidgetDisconnected carries an id derived from the widget and the
// connection, so within the store's duplicate window it is stored once,
// and a later duplicate is harmless (the board ignores a disconnect of a
// connection that is no longer the widget's).
//
// Start it once the board has caught up, so it does not reap sockets
// already closed further along the stream (harmless, but noisy).
type Reaper struct {
	// Board tells which sockets are open and on which instance.
	Board *projections.Board
	// Leases tells which instances stopped renewing their lease.
	Leases domain.Leases
	// Service records the disconnects.
	Service *domain.Service
	// Instance is this instance's name; its own sockets are never reaped,
	// except those of an earlier run (another Epoch): after a kill -9 and
	// a restart under the same name, nobody else would.
	Instance string
	// Epoch is this process's connection epoch (see domain.ConnID).
	Epoch string
	// Every is how often to look; 0 is DefaultReapEvery.
	Every time.Duration
	// Log receives what was reaped and what failed; nil discards.
	Log *slog.Logger
}

// Run reaps every Every until ctx ends.
func (r *Reaper) Run(ctx context.Context) {
	runCounting(ctx, r.Every, DefaultReapEvery, r.log(), "reaper", r.Tick)
}

// Tick marks offline, once, every socket the board shows open on an
// instance whose lease expired, and returns how many disconnects it
// stored.
func (r *Reaper) Tick(ctx context.Context) (int, error) {
	dead := map[string]bool{}
	if r.Leases != nil {
		expired, err := r.Leases.Expired(ctx)
		if err != nil {
			return 0, fmt.Errorf("reap: expired leases: %w", err)
		}
		for _, inst := range expired {
			if inst != "" && inst != r.Instance {
				dead[inst] = true
			}
		}
	}
	var (
		n    int
		errs []error
	)
	// Only the few sockets to reap leave the board, not every open one.
	stale := func(conn string) bool {
		inst, epoch := domain.ConnOwner(conn)
		return dead[inst] || inst == r.Instance && epoch != r.Epoch
	}
	for _, s := range r.Board.OnlineWhere(stale) {
		inst, _ := domain.ConnOwner(s.Conn)
		reason := fmt.Sprintf("instance %s restarted; this socket was held by its earlier run", inst)
		if dead[inst] {
			reason = fmt.Sprintf("instance %s stopped renewing its lease", inst)
		}
		stored, err := r.reap(ctx, s, inst, reason)
		if err != nil {
			errs = append(errs, fmt.Errorf("reap %s %s on %s: %w", s.Kind, s.ID, s.Conn, err))
			continue
		}
		if stored {
			n++
			r.log().Info("socket of a dead instance marked offline", "kind", s.Kind, "id", s.ID, "conn", s.Conn, "instance", inst)
		}
	}
	return n, errors.Join(errs...)
}

// reap records one socket's disconnect and reports whether it stored one.
func (r *Reaper) reap(ctx context.Context, s projections.Socket, inst, reason string) (bool, error) {
	switch s.Kind {
	case domain.KindCharger:
		evs, err := r.Service.OnCharger(ctx, s.ID, func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
			return c.Disconnect(x, inst, s.Conn, reason), nil
		})
		return len(evs) > 0, err
	case domain.KindWidget:
		e := r.Service.NewEvent(s.ChargerID, "", domain.WidgetDisconnected{Instance: inst, Conn: s.Conn, Reason: reason})
		e.WidgetID = s.ID
		e.ID = domain.DerivedID(s.ID, "reaped."+s.Kind, s.Conn)
		return true, r.Service.Record(ctx, e)
	}
	return false, nil
}

// connInstance returns the instance of a connection id "<n>@<instance>"
// ("" when it names none).

func (r *Reaper) log() *slog.Logger { return orDiscard(r.Log) }
