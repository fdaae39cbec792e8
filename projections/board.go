package projections

import (
	"fmt"
	"sync"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// State is everything the board knows: the fold of the stream up to Seq.
// It is what a checkpoint stores.
type State struct {
	Seq      uint64                    `json:"seq"`
	Chargers map[string]*ChargerView   `json:"chargers"`
	Widgets  map[string]*WidgetView    `json:"widgets"`
	Sessions map[string]*SessionView   `json:"sessions"`
	Payments []PaymentView             `json:"payments"`
	Pairings map[string]string         `json:"pairings"` // charger → widget
	Notices  map[string]*domain.Notice `json:"notices"`
	Events   map[string]uint64         `json:"events"` // applied events by type

	byWidget map[string]string // widget → charger: Pairings inverted
}

func newState() *State {
	return &State{
		Chargers: map[string]*ChargerView{},
		Widgets:  map[string]*WidgetView{},
		Sessions: map[string]*SessionView{},
		Pairings: map[string]string{},
		Notices:  map[string]*domain.Notice{},
		Events:   map[string]uint64{},
		byWidget: map[string]string{},
	}
}

// pair records charger ↔ widget in Pairings and its inverse.
func (st *State) pair(chargerID, widgetID string) {
	st.Pairings[chargerID] = widgetID
	st.byWidget[widgetID] = chargerID
}

// unpair removes the charger's pairing, if it has one.
func (st *State) unpair(chargerID string) {
	if w, ok := st.Pairings[chargerID]; ok {
		delete(st.Pairings, chargerID)
		if st.byWidget[w] == chargerID {
			delete(st.byWidget, w)
		}
	}
}

// Board is the set of read models. Apply is called by one goroutine, in
// stream order; queries may come from any goroutine.
type Board struct {
	tariff domain.Tariff

	mu        sync.RWMutex // guards st and listeners; listeners run under it
	st        *State
	listeners []Listener
	folded    uint64 // events applied by this process (not restored)
}

// NewBoard returns an empty board pricing sessions with t.
func NewBoard(t domain.Tariff) *Board {
	return &Board{tariff: t, st: newState()}
}

// Listen adds a listener. Listeners run under the board's lock, in stream
// order, and must only enqueue.
func (b *Board) Listen(l Listener) {
	b.mu.Lock()
	b.listeners = append(b.listeners, l)
	b.mu.Unlock()
}

// Applied returns the stream sequence the board has folded up to.
func (b *Board) Applied() uint64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.st.Seq
}

// Folded returns how many events this process applied (a restored
// checkpoint does not count): a restart with a checkpoint folds only what
// came after it.
func (b *Board) Folded() uint64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.folded
}

// Apply folds one event and tells the listeners. Events at or below the
// applied sequence are ignored, so a redelivery is harmless.
func (b *Board) Apply(e domain.Event) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e.Seq != 0 && e.Seq <= b.st.Seq {
		return nil
	}
	u, err := b.st.apply(e)
	if err != nil {
		return fmt.Errorf("apply %s at %d: %w", e.Type, e.Seq, err)
	}
	if e.Seq != 0 {
		b.st.Seq = e.Seq
	}
	b.folded++
	for _, l := range b.listeners {
		l(u)
	}
	return nil
}

func (st *State) charger(id string) *ChargerView {
	c, ok := st.Chargers[id]
	if !ok {
		c = &ChargerView{ChargerID: id, WidgetID: st.Pairings[id]}
		st.Chargers[id] = c
	}
	return c
}

func (st *State) widget(id string) *WidgetView {
	w, ok := st.Widgets[id]
	if !ok {
		w = &WidgetView{WidgetID: id}
		st.Widgets[id] = w
	}
	return w
}

// apply folds e into st and says what listeners should hear.
func (st *State) apply(e domain.Event) (Update, error) {
	st.Events[e.Type]++
	u := Update{Event: e}
	switch d := e.Data.(type) {
	case domain.Opaque:
		return u, nil // not understood by this build: skipped, the runtime counts it
	case domain.SoCReported:
		c := st.charger(e.ChargerID)
		soc := d.SoC
		c.SoC, c.Status, c.LastSeen = &soc, domain.StatusFor(d.SoC), e.Time
		if s := st.Sessions[e.SessionID]; s != nil {
			s.SoC, s.Status = &soc, c.Status
			s.Readings++
		}
		u.SendStatus = true
	case domain.ChargerConnected:
		c := st.charger(e.ChargerID)
		c.Online, c.Conn, c.Protocol, c.LastSeen = true, d.Conn, d.Protocol, e.Time
	case domain.ChargerDisconnected:
		c := st.charger(e.ChargerID)
		if c.Conn == d.Conn {
			c.Online, c.Conn = false, ""
		}
		c.LastSeen = e.Time
	case domain.ChargerBooted:
		m := d
		st.charger(e.ChargerID).Meta = &m
	case domain.ConnectorStatus:
		c := st.charger(e.ChargerID)
		if c.Connectors == nil {
			c.Connectors = map[int]*domain.ConnectorStatus{}
		}
		cs := d
		c.Connectors[d.ConnectorID] = &cs
		c.LastSeen = e.Time
	case domain.WidgetConnected:
		w := st.widget(e.WidgetID)
		w.Online, w.Conn, w.LastSeen = true, d.Conn, e.Time
	case domain.WidgetDisconnected:
		w := st.widget(e.WidgetID)
		if w.Conn == d.Conn {
			w.Online, w.Conn = false, ""
		}
		w.LastSeen = e.Time
	case domain.PairingSet:
		st.unpair(d.ChargerID)
		if c, ok := st.byWidget[d.WidgetID]; ok && c != d.ChargerID {
			st.unpair(c)
			st.charger(c).WidgetID = ""
		}
		st.pair(d.ChargerID, d.WidgetID)
		c := st.charger(d.ChargerID)
		c.WidgetID = d.WidgetID
		u.WidgetID = d.WidgetID
		u.Status = c.Status
		u.SendStatus = c.SessionID != "" && c.Status != domain.StatusNone
		return u, nil
	case domain.PairingRemoved:
		if st.Pairings[d.ChargerID] == d.WidgetID {
			st.unpair(d.ChargerID)
			st.charger(d.ChargerID).WidgetID = ""
		}
		u.WidgetID = d.WidgetID
		return u, nil
	case domain.SessionOpened:
		c := st.charger(e.ChargerID)
		c.SessionID, c.Status, c.SoC = e.SessionID, domain.StatusNone, nil
		w := d.WidgetID
		if w == "" {
			w = c.WidgetID
		}
		st.Sessions[e.SessionID] = &SessionView{ID: e.SessionID, ChargerID: e.ChargerID, WidgetID: w,
			State: StateOpen, OpenedBy: d.By, OpenedAt: e.Time, Seq: e.Seq}
	case domain.SessionCharged:
		if s := st.Sessions[e.SessionID]; s != nil {
			t := e.Time
			s.ChargedAt = &t
		}
	case domain.PaymentRecorded:
		if s := st.Sessions[e.SessionID]; s != nil {
			s.PaidCents += d.AmountCents
		}
		st.Payments = append(st.Payments, PaymentView{SessionID: e.SessionID, ChargerID: e.ChargerID, Time: e.Time,
			AmountCents: d.AmountCents, Method: d.Method, Reference: d.Reference, Currency: d.Currency, EventID: e.ID})
	case domain.HandedBack:
		if s := st.Sessions[e.SessionID]; s != nil {
			t := e.Time
			s.State, s.ClosedAt = StateClosed, &t
			s.AmountDueCents, s.PaidCents = d.AmountDueCents, d.PaidCents
			s.BalanceCents = d.AmountDueCents - d.PaidCents
			s.Waived, s.WaiveReason = d.Waived, d.WaiveReason
		}
		c := st.charger(e.ChargerID)
		if c.SessionID == e.SessionID {
			c.SessionID, c.Status, c.SoC = "", domain.StatusNone, nil
		}
	case domain.TransactionStarted:
		if s := st.Sessions[e.SessionID]; s != nil {
			s.TransactionID = d.TransactionID
		}
	case domain.TransactionStopped:
		if s := st.Sessions[e.SessionID]; s != nil && s.TransactionID == d.TransactionID {
			s.TransactionID = 0
		}
	case domain.MeterSampled:
		if s := st.Sessions[e.SessionID]; s != nil {
			if s.Meter == nil {
				s.Meter = map[string]string{}
			}
			s.Meter[d.Measurand] = d.Value
		}
	case domain.SessionOverdue:
		if s := st.Sessions[e.SessionID]; s != nil {
			s.Overdue = true
		}
	case domain.NoticeScheduled:
		st.Notices[d.NoticeID] = &domain.Notice{NoticeScheduled: d}
	case domain.NoticeFired:
		if n := st.Notices[d.NoticeID]; n != nil {
			n.Fired = true
		}
	default:
		return u, fmt.Errorf("no projection for %T", e.Data)
	}
	if e.ChargerID != "" {
		c := st.charger(e.ChargerID)
		u.WidgetID, u.Status = c.WidgetID, c.Status
	}
	return u, nil
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
