package domain

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// maxAttempts bounds the retries of a command that lost an optimistic
// concurrency race.
const maxAttempts = 8

// Service runs commands against aggregates: load (cached), decide, append
// with optimistic concurrency, and on a conflict re-read and decide again.
// Commands on one aggregate are serialised inside an instance; across
// instances the store's expected-version check decides.
type Service struct {
	store  EventStore
	now    Clock
	newID  IDSource
	tariff Tariff
	shared bool // other instances may append: re-check refusals

	mu       sync.Mutex // guards chargers
	chargers map[string]*slot[*Charger]
	pairings slot[*Pairings]
	notices  slot[*Notices]
}

// slot caches one aggregate. mu serialises commands on it.
type slot[T any] struct {
	mu     sync.Mutex
	agg    T
	loaded bool // agg was read from the store
	stale  bool // agg may be behind the store: read before deciding
}

// NewService returns a service over store.
func NewService(store EventStore, now Clock, newID IDSource, t Tariff) *Service {
	return &Service{store: store, now: now, newID: newID, tariff: t, chargers: map[string]*slot[*Charger]{}}
}

// SetShared tells the service that other instances append to the same
// stream, so a refusal decided on the cached state is re-checked against a
// fresh read before it is returned.
func (s *Service) SetShared(shared bool) { s.shared = shared }

// Tariff returns the configured tariff.
func (s *Service) Tariff() Tariff { return s.tariff }

// Now returns the service clock's time.
func (s *Service) Now() time.Time { return s.now() }

// aggregate is what run needs of an aggregate.
type aggregate interface {
	Apply(Event)
	version() uint64
}

func (c *Charger) version() uint64  { return c.Version }
func (p *Pairings) version() uint64 { return p.Version }
func (n *Notices) version() uint64  { return n.Version }

// run is the load–decide–append loop shared by every aggregate.
//
// The cached aggregate may be behind when another instance appended to it.
// An append then conflicts and is retried on a fresh read; a decision that
// refuses or decides nothing is checked once more against a fresh read
// before it is believed.
func run[T aggregate](ctx context.Context, s *Service, sl *slot[T], key StreamKey, fresh func() T, decide func(T, Ctx) ([]Event, error)) ([]Event, error) {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if !sl.loaded {
		sl.agg = fresh()
	}
	refreshed := false
	for attempt := 0; ; attempt++ {
		if !sl.loaded || sl.stale || attempt > 0 {
			if err := catchUp(ctx, s, sl, key); err != nil {
				return nil, err
			}
			refreshed = true
		}
		x := Ctx{Now: s.now(), NewID: s.newID}
		events, err := decide(sl.agg, x)
		if (err != nil || len(events) == 0) && !refreshed && s.shared {
			sl.stale = true
			continue
		}
		if err != nil || len(events) == 0 {
			return events, err
		}
		res, err := s.store.Append(ctx, key, sl.agg.version(), events)
		if errors.Is(err, ErrConflict) && attempt+1 < maxAttempts {
			continue
		}
		if err != nil {
			// The outcome may be unknown (a timeout may still have stored
			// it): re-read before the next decision.
			sl.stale = true
			return nil, err
		}
		dup := false
		for i := range events {
			events[i].Seq = res[i].Seq
			dup = dup || res[i].Duplicate
		}
		if dup {
			// Stored earlier (by us or another instance): fold it from the
			// store rather than applying it twice.
			sl.stale = true
			return events, nil
		}
		for _, e := range events {
			sl.agg.Apply(e)
		}
		return events, nil
	}
}

func catchUp[T aggregate](ctx context.Context, s *Service, sl *slot[T], key StreamKey) error {
	evs, err := s.store.Load(ctx, key, sl.agg.version())
	if err != nil {
		sl.stale = true
		return fmt.Errorf("load %s %s: %w", key.Kind, key.ID, err)
	}
	for _, e := range evs {
		sl.agg.Apply(e)
	}
	sl.loaded, sl.stale = true, false
	return nil
}

func (s *Service) chargerSlot(id string) *slot[*Charger] {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl, ok := s.chargers[id]
	if !ok {
		sl = &slot[*Charger]{}
		s.chargers[id] = sl
	}
	return sl
}

// OnCharger runs decide against charger id and stores what it decides.
// It returns the stored events (none when the decision was a no-op).
func (s *Service) OnCharger(ctx context.Context, id string, decide func(*Charger, Ctx) ([]Event, error)) ([]Event, error) {
	if err := ValidateDeviceID("charger", id); err != nil {
		return nil, err
	}
	return run(ctx, s, s.chargerSlot(id), ChargerKey(id), func() *Charger { return NewCharger(id) }, decide)
}

// OnPairings runs decide against the pairing table.
func (s *Service) OnPairings(ctx context.Context, decide func(*Pairings, Ctx) ([]Event, error)) ([]Event, error) {
	return run(ctx, s, &s.pairings, PairingsKey, NewPairings, decide)
}

// OnNotices runs decide against the notices.
func (s *Service) OnNotices(ctx context.Context, decide func(*Notices, Ctx) ([]Event, error)) ([]Event, error) {
	return run(ctx, s, &s.notices, NoticesKey, NewNotices, decide)
}

// ReportSoC stores a charger reading; widgetID is the charger's widget now.
func (s *Service) ReportSoC(ctx context.Context, chargerID string, r Reading) ([]Event, error) {
	return s.OnCharger(ctx, chargerID, func(c *Charger, x Ctx) ([]Event, error) { return c.ReportSoC(x, r) })
}

// Record appends facts that need no decision (widget presence) without a
// concurrency check.
func (s *Service) Record(ctx context.Context, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	_, err := s.store.Append(ctx, events[0].Key(), AnyVersion, events)
	return err
}

// NewEvent builds an event with the service's clock and ids.
func (s *Service) NewEvent(chargerID, sessionID string, p Payload) Event {
	return NewEvent(s.newID(), s.now(), chargerID, sessionID, p)
}

// Forget drops the cached charger so the next command re-reads it.
func (s *Service) Forget(chargerID string) {
	s.mu.Lock()
	delete(s.chargers, chargerID)
	s.mu.Unlock()
}
