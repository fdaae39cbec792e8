package projections

import (
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// ChargerView is one charger as staff see it. WidgetID is filled by the
// queries from the pairing table; the charger model keeps it empty.
type ChargerView struct {
	ChargerID  string                          `json:"chargerId"`
	WidgetID   string                          `json:"widgetId"`
	Online     bool                            `json:"online"`
	Conn       string                          `json:"conn,omitempty"`
	Protocol   string                          `json:"protocol,omitempty"`
	SoC        *float64                        `json:"soc"`
	Status     domain.Status                   `json:"status"`
	SessionID  string                          `json:"sessionId"`
	LastSeen   time.Time                       `json:"lastSeen"`
	Meta       *domain.ChargerBooted           `json:"meta,omitempty"`
	Connectors map[int]*domain.ConnectorStatus `json:"connectors,omitempty"`
}

// WidgetView is a widget's presence.
type WidgetView struct {
	WidgetID string    `json:"widgetId"`
	Online   bool      `json:"online"`
	Conn     string    `json:"conn,omitempty"`
	LastSeen time.Time `json:"lastSeen"`
}

// Session states.
const (
	StateOpen   = "open"
	StateClosed = "closed"
)

// SessionView is one session with its money. Status is derived from SoC
// (domain.StatusFor) by the queries, and the money of an open session is
// priced when queried.
type SessionView struct {
	ID             string            `json:"id"`
	ChargerID      string            `json:"chargerId"`
	WidgetID       string            `json:"widgetId"`
	ClaimCode      string            `json:"claimCode,omitempty"`  // the ticket's claim code
	Label          string            `json:"label,omitempty"`      // the customer's label
	VerifiedBy     string            `json:"verifiedBy,omitempty"` // how the hand-back's claim was checked
	State          string            `json:"state"`
	OpenedBy       string            `json:"openedBy"`
	Status         domain.Status     `json:"status"`
	SoC            *float64          `json:"soc"`
	OpenedAt       time.Time         `json:"openedAt"`
	ChargedAt      *time.Time        `json:"chargedAt"`
	ClosedAt       *time.Time        `json:"closedAt"`
	AmountDueCents int64             `json:"amountDueCents"`
	PaidCents      int64             `json:"paidCents"`
	BalanceCents   int64             `json:"balanceCents"`
	Currency       string            `json:"currency"`
	Waived         bool              `json:"waived"`
	WaiveReason    string            `json:"waiveReason,omitempty"`
	Overdue        bool              `json:"overdue"`
	Readings       int               `json:"readings"`
	TransactionID  int               `json:"transactionId,omitempty"`
	Meter          map[string]string `json:"meter,omitempty"` // last value per OCPP measurand
	Seq            uint64            `json:"seq"`             // stream sequence of the opening event
	SessionMoney
}

// PaymentView is one row of the payments ledger.
type PaymentView struct {
	SessionID   string    `json:"sessionId"`
	ChargerID   string    `json:"chargerId"`
	Time        time.Time `json:"time"`
	AmountCents int64     `json:"amountCents"`
	Method      string    `json:"method"`
	Reference   string    `json:"reference,omitempty"`
	Currency    string    `json:"currency,omitempty"`
	EventID     string    `json:"eventId"`
	// Actor is who recorded the payment (nil for payments recorded before
	// actors were).
	Actor *domain.Actor `json:"actor,omitempty"`
	LedgerExtra
}

// Update is what listeners hear for each applied event.
type Update struct {
	Event domain.Event
	// WidgetID is the widget paired with the event's charger after the
	// event (for a pairing event: the widget it names).
	WidgetID string
	// Status is the charger's LED status after the event.
	Status domain.Status
	// SendStatus tells the widget hub to send Status to WidgetID now: on
	// every reading, and when a widget is paired with a charger whose
	// session is open.
	SendStatus bool
	// Unknown is set for an event this build cannot read (its payload is
	// domain.Opaque): every read model skipped it and the board counted it
	// by Event.Type (see Board.Unknown); the other fields are empty.
	Unknown bool
}

// Listener hears every applied event, in stream order, unreadable ones
// (Update.Unknown) too. It must not block: it runs on the projection's one
// goroutine, under the board's lock, so it must not call the board either.
type Listener func(Update)

// seen moves LastSeen to t when t is later.
func (c *ChargerView) seen(t time.Time) {
	if t.After(c.LastSeen) {
		c.LastSeen = t
	}
}
