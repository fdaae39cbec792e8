package runtime

import (
	"context"
	"errors"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// follow feeds the board through the feed until ctx ends: on demand
// (Config.OnDemand) or all the time.
func (r *Runtime) follow(ctx context.Context) {
	if r.feed != nil {
		r.followOnDemand(ctx, r.feed)
		return
	}
	r.followLoop(ctx)
}

// followLoop follows the feed until ctx ends, following again from what
// the board applied after every error, with backoff.
func (r *Runtime) followLoop(ctx context.Context) {
	wait := r.cfg.RestartMin
	for ctx.Err() == nil {
		from := r.board.Applied()
		var err error
		if f, ok := r.cfg.Feed.(skippingFeed); ok {
			err = f.FollowSkipping(ctx, r.cfg.Consumer, from, r.skip, r.apply)
		} else {
			err = r.cfg.Feed.Follow(ctx, r.cfg.Consumer, from, r.apply)
		}
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("follow returned before it was stopped")
		}
		if r.board.Applied() > from {
			wait = r.cfg.RestartMin // it made progress: this is a new failure
		}
		r.setFollowErr(err)
		r.log.Error("projection feed stopped; following again", "consumer", r.cfg.Consumer,
			"after", r.board.Applied(), "in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, r.cfg.RestartMax)
		r.setFollowErr(nil)
	}
}

// apply is the handler given to the feed: it folds e unless an offer
// folded it already (see Offer), then the offered events that follow it.
// It runs on the follow goroutine.
func (r *Runtime) apply(e domain.Event) error {
	r.fmu.Lock()
	defer r.fmu.Unlock()
	applied := r.applied.Load()
	if e.Seq != 0 && e.Seq <= applied {
		return nil
	}
	if e.Seq > applied+1 && len(r.pending) > 0 {
		// The stream no longer holds what lies between (retention): the
		// offers waiting there are gone from it too.
		for seq := range r.pending {
			if seq <= e.Seq {
				delete(r.pending, seq)
			}
		}
	}
	delete(r.pending, e.Seq)
	return r.fold(e)
}

// foldOne folds e into the board, then wakes whoever waits for e's
// sequence. r.fmu is held.
func (r *Runtime) foldOne(e domain.Event) error {
	if o, ok := e.Data.(domain.Opaque); ok {
		r.unknown(e, o)
	}
	if err := r.board.Apply(e); err != nil {
		return err
	}
	// The board now stands at e.Seq, unless e was a redelivery it ignored;
	// applied is written only under fmu.
	seq := e.Seq
	if seq == 0 {
		seq = r.board.Applied()
	}
	if seq <= r.applied.Load() {
		return nil
	}
	r.applied.Store(seq)
	if r.nwait.Load() > 0 {
		r.wake(seq)
	}
	return nil
}

// unknown counts an event this build cannot fold and logs its type once
// (r.fmu is held);
// a quarantined one is logged every time, with its envelope: someone or
// something stored an event the booth would never have decided.
func (r *Runtime) unknown(e domain.Event, o domain.Opaque) {
	typ := o.EventType()
	if o.Quarantined() {
		if r.cfg.OnQuarantined != nil {
			r.cfg.OnQuarantined(typ, o.Code)
		}
		r.log.Warn("event quarantined: its payload breaks the domain's rules; skipped, not folded",
			"type", typ, "reason", o.Code, "detail", o.Detail, "seq", e.Seq, "id", e.ID,
			"charger", e.ChargerID, "widget", e.WidgetID, "session", e.SessionID)
		return
	}
	if r.cfg.OnUnknown != nil {
		r.cfg.OnUnknown(typ)
	}
	if r.seenUnknown[typ] {
		return
	}
	r.seenUnknown[typ] = true
	r.log.Warn("event not understood by this build; skipped (logged once per type)",
		"type", typ, "reason", o.Reason, "detail", o.Detail, "seq", e.Seq)
}

// setFollowErr records the feed's last error, reported by Status during
// the pause before following again (nil: following).
func (r *Runtime) setFollowErr(err error) {
	r.mu.Lock()
	r.followErr = err
	r.mu.Unlock()
}
