package projections

import (
	"encoding/json"

	"github.com/chargebooth/chargebooth/domain"
)

// sessionModel is every session with its money as the events state it.
// A session stores its last reading, not its LED status: the queries
// derive the status from it (domain.StatusFor), and price open sessions.
type sessionModel struct {
	pairs *pairingModel // the widget of a charger whose session opens
	byID  map[string]*SessionView
	// open indexes the open sessions of byID, so that what looks only at
	// open sessions (claim codes, overdue reminders, the unclaimed at
	// closing) does not walk every session of the festival.
	open map[string]*SessionView
	// codes counts the open sessions by claim code: a new session's
	// ticket asks whether its code is free (ClaimCodeInUse) while the
	// booth opens sessions by the thousand.
	codes map[string]int
}

func newSessionModel(pairs *pairingModel) *sessionModel {
	return &sessionModel{pairs: pairs, byID: map[string]*SessionView{}, open: map[string]*SessionView{}, codes: map[string]int{}}
}

// opened indexes s, an open session.
func (m *sessionModel) opened(s *SessionView) {
	m.open[s.ID] = s
	if s.ClaimCode != "" {
		m.codes[s.ClaimCode]++
	}
}

// closed takes s, a session that closed, out of the open index.
func (m *sessionModel) closed(s *SessionView) {
	if _, ok := m.open[s.ID]; !ok {
		return
	}
	delete(m.open, s.ID)
	if s.ClaimCode == "" {
		return
	}
	if m.codes[s.ClaimCode]--; m.codes[s.ClaimCode] <= 0 {
		delete(m.codes, s.ClaimCode)
	}
}

// Name implements ReadModel.
func (m *sessionModel) Name() string { return "session" }

// Apply implements ReadModel.
func (m *sessionModel) Apply(e domain.Event, _ *Update) {
	if d, ok := e.Data.(domain.SessionOpened); ok {
		w := d.WidgetID
		if w == "" {
			w = m.pairs.widgetOf(e.ChargerID)
		}
		s := &SessionView{ID: e.SessionID, ChargerID: e.ChargerID, WidgetID: w,
			ClaimCode: d.ClaimCode, Label: d.Label, State: StateOpen, OpenedBy: d.By, OpenedAt: e.Time, Seq: e.Seq}
		if old := m.byID[e.SessionID]; old != nil {
			m.closed(old) // the same opening applied again
		}
		m.byID[e.SessionID] = s
		m.opened(s)
		return
	}
	s := m.byID[e.SessionID]
	if s == nil {
		return
	}
	applyMoney(s, e) // corrections, tips, unclaimed (money.go)
	switch d := e.Data.(type) {
	case domain.SoCReported:
		if s.SoC == nil { // kept across readings: a reading allocates nothing
			s.SoC = new(float64)
		}
		*s.SoC = d.SoC
		s.Readings++
	case domain.SessionCharged:
		t := e.Time
		s.ChargedAt = &t
	case domain.PaymentRecorded:
		s.PaidCents += d.AmountCents
	case domain.HandedBack:
		t := e.Time
		m.closed(s)
		s.State, s.ClosedAt = StateClosed, &t
		s.AmountDueCents, s.PaidCents = d.AmountDueCents, d.PaidCents
		s.BalanceCents = d.AmountDueCents - d.PaidCents
		s.Waived, s.WaiveReason = d.Waived, d.WaiveReason
		s.VerifiedBy = d.VerifiedBy
	case domain.TransactionStarted:
		s.TransactionID = d.TransactionID
	case domain.TransactionStopped:
		if s.TransactionID == d.TransactionID {
			s.TransactionID = 0
		}
	case domain.MeterSampled:
		if s.Meter == nil {
			s.Meter = map[string]string{}
		}
		s.Meter[d.Measurand] = d.Value
	case domain.SessionOverdue:
		s.Overdue = true
	}
}

// Snapshot implements ReadModel: the sessions, each copied with what Apply
// changes in place (the reading, the meter values).
func (m *sessionModel) Snapshot() any {
	return copyEntries(m.byID, func(v *SessionView) *SessionView {
		c := *v
		copyMoney(&c)
		if v.SoC != nil {
			soc := *v.SoC
			c.SoC = &soc
		}
		if v.Meter != nil {
			c.Meter = make(map[string]string, len(v.Meter))
			for k, x := range v.Meter {
				c.Meter[k] = x
			}
		}
		return &c
	})
}

// Restore implements ReadModel.
func (m *sessionModel) Restore(data json.RawMessage) error {
	byID, err := decodeEntries[SessionView](data)
	if err != nil {
		return err
	}
	m.Reset()
	m.byID = byID
	for _, s := range byID {
		if s.State == StateOpen {
			m.opened(s)
		}
	}
	return nil
}

// Reset implements ReadModel.
func (m *sessionModel) Reset() {
	m.byID, m.open, m.codes = map[string]*SessionView{}, map[string]*SessionView{}, map[string]int{}
}

// Entries implements ReadModel: one entry per session.
func (m *sessionModel) Entries(put func(string, any)) { putEntries(m.byID, put) }
