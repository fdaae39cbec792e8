package domain

import "time"

// recentIDs is how many derived event ids (re-sendable readings, replayable
// OCPP messages) a charger remembers beyond JetStream's duplicate window.
const recentIDs = 512

// Charger is the charger aggregate: its presence, last reading and its open
// session. It is folded from the charger's events with Apply and decides
// commands with its methods; both are pure.
type Charger struct {
	ID       string
	Version  uint64 // stream sequence of the last applied event
	SoC      float64
	HasSoC   bool
	Status   Status
	Online   bool
	Conn     string // connection that is online, for presence
	Protocol string
	Session  *OpenSession // nil when no session is open
	LastTxID int
	// ClosedAt is when the last session was handed back (zero: never).
	ClosedAt time.Time

	recent recentSet       // derived event ids applied lately
	closed []closedSession // money of the last sessions handed back (corrections.go)
}

// OpenSession is what decisions need to know of the open session.
type OpenSession struct {
	ID            string
	WidgetID      string
	ClaimCode     string // "" for sessions opened before claim codes
	OpenedAt      time.Time
	ChargedAt     time.Time // zero until charged
	PaidCents     int64
	Payments      map[string]PaymentRecorded // by idempotency key
	Overdue       bool
	TransactionID int
	// Money is the session's payments by id and its refunds (corrections.go).
	Money SessionMoney
	// UnclaimedNight is the last closing the session was marked
	// unclaimed at (unclaimed.go).
	UnclaimedNight string
}

// NewCharger returns the empty aggregate for id.
func NewCharger(id string) *Charger {
	return &Charger{ID: id}
}

// Seen reports whether a derived event id was already applied, and the OCPP
// transaction id it carried.
func (c *Charger) Seen(eventID string) (int, bool) {
	return c.recent.seen(eventID)
}

func (c *Charger) remember(eventID string, tx int) { c.recent.add(eventID, tx) }

// Balance returns what the open session owes at now under t.
func (s *OpenSession) Balance(t Tariff, now time.Time) int64 {
	return t.Due(s.OpenedAt, now) - s.PaidCents
}

// Apply folds one event of this charger into the aggregate.
func (c *Charger) Apply(e Event) {
	if e.Seq > c.Version {
		c.Version = e.Seq
	}
	c.applyMoney(e)
	switch d := e.Data.(type) {
	case SoCReported:
		c.SoC, c.HasSoC, c.Status = d.SoC, true, StatusFor(d.SoC)
		if d.ReadingID != "" {
			c.remember(e.ID, 0) // its id was derived from the reading id
		}
	case ChargerConnected:
		c.Online, c.Conn, c.Protocol = true, d.Conn, d.Protocol
	case ChargerDisconnected:
		if d.Conn == c.Conn {
			c.Online, c.Conn = false, ""
		}
	case SessionOpened:
		c.Session = &OpenSession{ID: e.SessionID, WidgetID: d.WidgetID, ClaimCode: d.ClaimCode, OpenedAt: e.Time, Payments: map[string]PaymentRecorded{}}
		c.Status, c.HasSoC = StatusNone, false
	case SessionCharged:
		if c.Session != nil {
			c.Session.ChargedAt = e.Time
		}
	case PaymentRecorded:
		if c.Session != nil && c.Session.ID == e.SessionID {
			c.Session.PaidCents += d.AmountCents
			if d.IdempotencyKey != "" {
				if c.Session.Payments == nil {
					c.Session.Payments = map[string]PaymentRecorded{}
				}
				c.Session.Payments[d.IdempotencyKey] = d
			}
		}
	case HandedBack:
		if c.Session != nil && c.Session.ID == e.SessionID {
			c.Session = nil
			c.Status, c.HasSoC = StatusNone, false
			c.ClosedAt = e.Time
		}
	case SessionOverdue:
		if c.Session != nil && c.Session.ID == e.SessionID {
			c.Session.Overdue = true
		}
	case TransactionStarted:
		if d.TransactionID > c.LastTxID {
			c.LastTxID = d.TransactionID
		}
		if c.Session != nil && c.Session.ID == e.SessionID {
			c.Session.TransactionID = d.TransactionID
		}
		c.remember(e.ID, d.TransactionID)
	case TransactionStopped:
		if c.Session != nil && c.Session.TransactionID == d.TransactionID {
			c.Session.TransactionID = 0
		}
		c.remember(e.ID, d.TransactionID)
	case MeterSampled:
		c.remember(e.ID, 0)
	}
}

// Fold applies events in order.
func (c *Charger) Fold(events []Event) {
	for _, e := range events {
		c.Apply(e)
	}
}
