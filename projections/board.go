package projections

import (
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// Board composes the read models. Apply is called by one goroutine, in
// stream order; queries may come from any goroutine.
type Board struct {
	tariff domain.Tariff

	mu          sync.RWMutex // guards what follows; models and listeners run under it
	seq         uint64       // stream sequence folded up to
	folded      uint64       // events applied by this process (not restored)
	unknown     map[string]uint64
	quarantined map[string]uint64 // by type: events that break the domain's invariants
	models      []ReadModel
	names       map[string]bool
	listeners   []Listener
	u           Update // what Apply is filling: a field, so it is not allocated per event

	// The built-in models, for the queries; they are in models too.
	pairs    *pairingModel
	chargers *chargerModel
	widgets  *widgetModel
	sessions *sessionModel
	payments *paymentModel
	notices  *noticeModel
	devices  *deviceModel
	staff    *staffModel
	audit    *auditModel
	events   *eventCounter
	shifts   *shiftModel
	tickets  *ticketModel
	timeline *timelineModel
}

// NewBoard returns an empty board pricing sessions with t, with the
// built-in read models and then extra, in that order.
//
// This is the one place where the built-in models are registered and wired
// to the models they read. Order matters only there: the charger model
// reads the pairing table as it was before a pairing event (to know which
// chargers the event touches), so it runs before the pairing model. Extra
// models run after the built-in ones and see the Update they filled: the
// widget paired with the event's charger and its LED status after the
// event.
func NewBoard(t domain.Tariff, extra ...ReadModel) *Board {
	b := &Board{tariff: t, unknown: map[string]uint64{}, quarantined: map[string]uint64{}, names: map[string]bool{}}
	b.pairs = newPairingModel()
	b.chargers = register(b, newChargerModel(b.pairs))
	register(b, b.pairs)
	b.widgets = register(b, newWidgetModel())
	b.sessions = register(b, newSessionModel(b.pairs))
	b.payments = register(b, newPaymentModel())
	b.notices = register(b, newNoticeModel())
	b.devices = register(b, newDeviceModel())
	b.staff = register(b, newStaffModel())
	b.audit = register(b, newAuditModel())
	b.events = register(b, newEventCounter())
	b.shifts = register(b, newShiftModel())
	b.tickets = register(b, newTicketModel())
	b.timeline = register(b, newTimelineModel())
	for _, m := range extra {
		b.Register(m)
	}
	return b
}

// register adds a built-in model and returns it.
func register[M ReadModel](b *Board, m M) M {
	b.Register(m)
	return m
}

// Register adds a read model after those already there. Call it before the
// board applies or restores anything: a model added later would miss the
// events before it. It panics on a name already registered or on a board
// that has folded.
func (b *Board) Register(m ReadModel) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seq != 0 || b.folded != 0 {
		panic(fmt.Sprintf("projections: read model %q registered on a board that has folded up to %d", m.Name(), b.seq))
	}
	if b.names[m.Name()] {
		panic(fmt.Sprintf("projections: read model %q registered twice", m.Name()))
	}
	b.names[m.Name()] = true
	b.models = append(b.models, m)
}

// Listen adds a listener. Listeners run under the board's lock, in stream
// order, and must only enqueue.
func (b *Board) Listen(l Listener) {
	b.mu.Lock()
	b.listeners = append(b.listeners, l)
	b.mu.Unlock()
}

// View runs f under the board's read lock, so that a read model registered
// from outside this package can answer queries consistently with Apply. f
// must not call the board.
func (b *Board) View(f func()) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	f()
}

// Applied returns the stream sequence the board has folded up to.
func (b *Board) Applied() uint64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.seq
}

// Folded returns how many events this process applied (a restored
// checkpoint does not count): a restart with a checkpoint folds only what
// came after it.
func (b *Board) Folded() uint64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.folded
}

// Unknown returns how many events of each type were skipped because this
// build cannot read them (their payload is domain.Opaque: an unknown type,
// a newer schema, undecodable bytes), keyed by stored type ("?" when even
// the type did not decode). The counts are kept in the checkpoint.
func (b *Board) Unknown() map[string]uint64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return copyCounts(b.unknown)
}

// Quarantined returns how many events of each type were skipped because
// their payload breaks the domain's invariants (domain.Opaque with Reason
// domain.OpaqueInvalid: a negative payment, a pairing of an invalid id).
// They are not in Unknown. The counts are kept in the checkpoint.
func (b *Board) Quarantined() map[string]uint64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return copyCounts(b.quarantined)
}

// copyCounts returns a copy of counts by type (empty, not nil, when there
// are none).
func copyCounts(m map[string]uint64) map[string]uint64 {
	out := make(map[string]uint64, len(m))
	maps.Copy(out, m)
	return out
}

// Apply folds one event through every read model, in registration order,
// and tells the listeners. Events at or below the applied sequence are
// ignored, so a redelivery is harmless. An event with a domain.Opaque
// payload is skipped by every model and counted (Unknown, or Quarantined
// for an invalid one); the listeners
// hear it with Update.Unknown set. Either way the applied sequence
// advances. Apply never fails: the error is there for the callers that
// feed it from the store.
func (b *Board) Apply(e domain.Event) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e.Seq != 0 && e.Seq <= b.seq {
		return nil
	}
	b.u = Update{Event: e}
	if o, ok := e.Data.(domain.Opaque); ok {
		if o.Quarantined() {
			b.quarantined[o.EventType()]++
		} else {
			b.unknown[o.EventType()]++
		}
		b.u.Unknown = true
	} else {
		for _, m := range b.models {
			m.Apply(e, &b.u)
		}
	}
	if e.Seq != 0 {
		b.seq = e.Seq
	}
	b.folded++
	for _, l := range b.listeners {
		l(b.u)
	}
	return nil
}

// view is a session as queries return it: a copy sharing nothing with the
// model, its LED status derived from its last reading, priced.
func (b *Board) view(s *SessionView, now time.Time) SessionView {
	v := *s
	copyMoney(&v)
	if s.SoC != nil {
		soc := *s.SoC
		v.SoC, v.Status = &soc, domain.StatusFor(soc)
	}
	if s.Meter != nil {
		v.Meter = make(map[string]string, len(s.Meter))
		for k, x := range s.Meter {
			v.Meter[k] = x
		}
	}
	return b.priced(v, now)
}

// priced fills a session's money figures; an open session is priced at now.
func (b *Board) priced(s SessionView, now time.Time) SessionView {
	s.Currency = b.tariff.Currency
	if s.State == StateOpen {
		s.AmountDueCents = b.tariff.Due(s.OpenedAt, now)
		s.BalanceCents = s.AmountDueCents - s.PaidCents
	}
	return s
}
