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
//
// Lock order: a charger slot's mu, then pairings.mu (a decision that opens
// a session reads the charger's widget from the pairing table while it
// holds the charger). The pairings slot never waits on a charger slot: a
// decision given to OnPairings must not call the Service. s.mu is held only
// to find a slot, never while taking another lock. notices.mu is taken
// alone.
type Service struct {
	store  EventStore
	now    Clock
	newID  IDSource
	tariff Tariff
	shared bool // other instances may append: re-check refusals

	tickets TicketSource // nil: sessions open without a ticket (SetTickets)
	// appended, when set, hears the events each command stored, with their
	// sequences, once the store acknowledged them (SetAppended).
	appended func([]Event)

	mu       sync.Mutex // guards chargers
	chargers map[string]*slot[*Charger]
	pairings slot[*Pairings] // taken after a charger slot, never before
	notices  slot[*Notices]
	devices  slot[*Devices] // taken after a charger slot (and pairings), never before
	txids    slot[*TxIDs]   // taken alone
	idtags   slot[*IDTags]  // taken alone
	staff    slot[*Staff]   // taken alone
	shifts   slot[*Shifts]  // taken alone (service_shifts.go)
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

// SetAppended gives the service a function that hears every event it
// stored, with the sequence the store's acknowledgement carried, right
// after the acknowledgement and outside every aggregate's lock (not the
// duplicates of events stored before): the projection runtime folds them
// from there (runtime.Runtime.Offer). Call it before the first command.
func (s *Service) SetAppended(f func([]Event)) { s.appended = f }

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
	events, stored, err := runLocked(ctx, s, sl, key, fresh, decide)
	if stored && s.appended != nil {
		// Outside the slot's lock: the fold runs the read side's
		// listeners, which must never wait on an aggregate.
		s.appended(events)
	}
	return events, err
}

// runLocked is run with the slot held; stored reports events this call
// appended (not duplicates of earlier ones).
func runLocked[T aggregate](ctx context.Context, s *Service, sl *slot[T], key StreamKey, fresh func() T, decide func(T, Ctx) ([]Event, error)) (_ []Event, stored bool, _ error) {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if !sl.loaded {
		sl.agg = fresh()
	}
	refreshed := false
	for attempt := 0; ; attempt++ {
		if !sl.loaded || sl.stale || attempt > 0 {
			if err := catchUp(ctx, s, sl, key); err != nil {
				return nil, false, err
			}
			refreshed = true
		}
		x := Ctx{Now: s.now(), NewID: s.newID, NewTicket: s.tickets}
		events, err := decide(sl.agg, x)
		if (err != nil || len(events) == 0) && !refreshed && s.shared {
			sl.stale = true
			continue
		}
		if err != nil || len(events) == 0 {
			return events, false, err
		}
		if err := validateEvents(events); err != nil {
			return nil, false, err
		}
		stampActor(ctx, events)
		res, err := s.store.Append(ctx, key, sl.agg.version(), events)
		if errors.Is(err, ErrConflict) && attempt+1 < maxAttempts {
			continue
		}
		if err != nil {
			// The outcome may be unknown (a timeout may still have stored
			// it): re-read before the next decision.
			sl.stale = true
			return nil, false, err
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
			return events, false, nil
		}
		for _, e := range events {
			sl.agg.Apply(e)
		}
		return events, true, nil
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

// OnPairings runs decide against the pairing table. decide must not call
// the Service (see the lock order on Service).
func (s *Service) OnPairings(ctx context.Context, decide func(*Pairings, Ctx) ([]Event, error)) ([]Event, error) {
	return run(ctx, s, &s.pairings, PairingsKey, NewPairings, decide)
}

// OnNotices runs decide against the notices.
func (s *Service) OnNotices(ctx context.Context, decide func(*Notices, Ctx) ([]Event, error)) ([]Event, error) {
	return run(ctx, s, &s.notices, NoticesKey, NewNotices, decide)
}

// ReportSoC stores a charger reading. A reading that opens a session keeps
// on it the widget the pairing table gives the charger then.
func (s *Service) ReportSoC(ctx context.Context, chargerID string, r Reading) ([]Event, error) {
	return s.onChargerPaired(ctx, chargerID, func(c *Charger, x Ctx, widgetID string) ([]Event, error) {
		return c.ReportSoC(x, r, widgetID)
	})
}

// CheckIn opens a session by staff on a charger with no open session,
// with the widget the pairing table gives the charger.
func (s *Service) CheckIn(ctx context.Context, chargerID string) ([]Event, error) {
	return s.onChargerPaired(ctx, chargerID, func(c *Charger, x Ctx, widgetID string) ([]Event, error) {
		return c.CheckIn(x, widgetID)
	})
}

// StartTransaction stores an OCPP StartTransaction (see
// Charger.StartTransaction): a session it opens gets the widget the
// pairing table gives the charger. Its transaction id comes from the
// booth's one counter (TxIDs), so no two transactions share one, on any
// charger or instance. It returns the stored events and the transaction
// id (the original one for a replay, which allocates nothing).
func (s *Service) StartTransaction(ctx context.Context, chargerID, eventID string, d TransactionStarted) ([]Event, int, error) {
	var (
		tx   int
		seen bool
	)
	if _, err := s.OnCharger(ctx, chargerID, func(c *Charger, _ Ctx) ([]Event, error) {
		tx, seen = c.Seen(eventID)
		return nil, nil
	}); err != nil {
		return nil, 0, err
	}
	if seen {
		return nil, tx, nil
	}
	id, err := s.allocateTxID(ctx, chargerID, eventID)
	if err != nil {
		return nil, 0, err
	}
	d.TransactionID = id
	evs, err := s.onChargerPaired(ctx, chargerID, func(c *Charger, x Ctx, widgetID string) ([]Event, error) {
		var evs []Event
		evs, tx = c.StartTransaction(x, eventID, d, widgetID)
		return evs, nil
	})
	return evs, tx, err
}

// StopTransaction stores an OCPP StopTransaction (see
// Charger.StopTransaction).
func (s *Service) StopTransaction(ctx context.Context, chargerID, eventID string, d TransactionStopped) ([]Event, error) {
	return s.OnCharger(ctx, chargerID, func(c *Charger, x Ctx) ([]Event, error) {
		return c.StopTransaction(x, eventID, d), nil
	})
}

// onChargerPaired is OnCharger for decisions that may open a session: when
// the charger has no open session, decide also gets the widget paired with
// it now ("" when none); with a session open it gets "" and the pairing
// table is not read.
func (s *Service) onChargerPaired(ctx context.Context, id string, decide func(*Charger, Ctx, string) ([]Event, error)) ([]Event, error) {
	return s.OnCharger(ctx, id, func(c *Charger, x Ctx) ([]Event, error) {
		widgetID := ""
		if c.Session == nil {
			var err error
			if widgetID, err = s.widgetOf(ctx, c.ID); err != nil {
				return nil, err
			}
		}
		return decide(c, x, widgetID)
	})
}

// widgetOf returns the widget paired with chargerID from the cached pairing
// table, read first when it is not loaded or may be behind (always when
// other instances share the stream: a pairing made there must be seen; the
// read loads only the events after the cached version). It is called with
// a charger slot held (see the lock order on Service).
func (s *Service) widgetOf(ctx context.Context, chargerID string) (string, error) {
	sl := &s.pairings
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if !sl.loaded {
		sl.agg = NewPairings()
	}
	if !sl.loaded || sl.stale || s.shared {
		if err := catchUp(ctx, s, sl, PairingsKey); err != nil {
			return "", err
		}
	}
	return sl.agg.ByCharger[chargerID], nil
}

// Record appends facts that need no decision (widget presence) without a
// concurrency check.
func (s *Service) Record(ctx context.Context, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	if err := validateEvents(events); err != nil {
		return err
	}
	stampActor(ctx, events)
	res, err := s.store.Append(ctx, events[0].Key(), AnyVersion, events)
	if err != nil || s.appended == nil {
		return err
	}
	stored := make([]Event, 0, len(events))
	for i, e := range events {
		if !res[i].Duplicate {
			e.Seq = res[i].Seq
			stored = append(stored, e)
		}
	}
	s.appended(stored)
	return nil
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
