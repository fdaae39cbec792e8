package projections

import (
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// Ledger row kinds (PaymentView.Kind).
const (
	KindPayment = "payment"
	KindVoid    = "void"
	KindRefund  = "refund"
)

// SessionMoney is what a session view shows of corrections, tips and the
// unclaimed mark. PaidCents of the session is net: payments less voids
// and refunds; the balance is due − PaidCents, to the cent the sum of the
// session's payment, void and refund events.
type SessionMoney struct {
	VoidedCents   int64 `json:"voidedCents"`
	RefundedCents int64 `json:"refundedCents"`
	// TipCents is tips taken, less voided ones: not part of the balance.
	TipCents int64 `json:"tipCents"`
	// Payments lists the session's payments, voided ones marked.
	Payments []SessionPayment `json:"payments,omitempty"`
	// Refunds lists the session's refunds.
	Refunds []SessionRefund `json:"refunds,omitempty"`
	// Unclaimed is set once the session was still open at a closing time;
	// UnclaimedNight names the last such closing.
	Unclaimed      bool       `json:"unclaimed,omitempty"`
	UnclaimedNight string     `json:"unclaimedNight,omitempty"`
	UnclaimedAt    *time.Time `json:"unclaimedAt,omitempty"`
}

// SessionPayment is one payment of a session.
type SessionPayment struct {
	ID          string    `json:"id"`
	Time        time.Time `json:"time"`
	AmountCents int64     `json:"amountCents"`
	TipCents    int64     `json:"tipCents,omitempty"`
	Method      string    `json:"method"`
	ShiftID     string    `json:"shiftId,omitempty"`
	By          string    `json:"by,omitempty"`
	Voided      bool      `json:"voided,omitempty"`
	VoidReason  string    `json:"voidReason,omitempty"`
}

// SessionRefund is one refund of a session.
type SessionRefund struct {
	ID          string    `json:"id"`
	Time        time.Time `json:"time"`
	AmountCents int64     `json:"amountCents"`
	Method      string    `json:"method"`
	Reason      string    `json:"reason"`
	By          string    `json:"by,omitempty"`
}

// LedgerExtra is what a ledger row carries besides a payment's own fields:
// its kind, tip, shift and who took it. A void row holds the voided
// payment's amount, tip and method, and its id in PaymentID.
type LedgerExtra struct {
	Kind      string `json:"kind,omitempty"` // "" (rows folded before kinds) is a payment
	TipCents  int64  `json:"tipCents,omitempty"`
	ShiftID   string `json:"shiftId,omitempty"`
	Till      string `json:"till,omitempty"`
	PaymentID string `json:"paymentId,omitempty"`
	Reason    string `json:"reason,omitempty"`
	By        string `json:"by,omitempty"`     // actor id
	ByName    string `json:"byName,omitempty"` // actor name then
}

// kindOf returns a row's kind.
func (p PaymentView) kindOf() string {
	if p.Kind == "" {
		return KindPayment
	}
	return p.Kind
}

// actorOf returns the id and name of who caused e.
func actorOf(e domain.Event) (string, string) {
	if e.Actor == nil {
		return "", ""
	}
	return e.Actor.ID, e.Actor.Name
}

// ledgerRow returns the ledger row of a payment, void or refund event.
func ledgerRow(e domain.Event) (PaymentView, bool) {
	by, name := actorOf(e)
	row := PaymentView{SessionID: e.SessionID, ChargerID: e.ChargerID, Time: e.Time, EventID: e.ID}
	row.By, row.ByName = by, name
	switch d := e.Data.(type) {
	case domain.PaymentRecorded:
		row.AmountCents, row.Method, row.Reference, row.Currency = d.AmountCents, d.Method, d.Reference, d.Currency
		row.Kind, row.TipCents, row.ShiftID, row.Till = KindPayment, d.TipCents, d.ShiftID, d.Till
	case domain.PaymentVoided:
		row.AmountCents, row.Method, row.Currency = d.AmountCents, d.Method, d.Currency
		row.Kind, row.TipCents, row.ShiftID, row.PaymentID, row.Reason = KindVoid, d.TipCents, d.ShiftID, d.PaymentID, d.Reason
	case domain.Refunded:
		row.AmountCents, row.Method, row.Currency = d.AmountCents, d.Method, d.Currency
		row.Kind, row.ShiftID, row.Till, row.Reason = KindRefund, d.ShiftID, d.Till, d.Reason
	default:
		return PaymentView{}, false
	}
	return row, true
}

// applyMoney folds the money events into a session view (the session
// model's Apply calls it; the model already added a payment's amount to
// PaidCents).
func applyMoney(s *SessionView, e domain.Event) {
	by, _ := actorOf(e)
	switch d := e.Data.(type) {
	case domain.PaymentRecorded:
		s.TipCents += d.TipCents
		s.Payments = append(s.Payments, SessionPayment{ID: e.ID, Time: e.Time, AmountCents: d.AmountCents, TipCents: d.TipCents,
			Method: d.Method, ShiftID: d.ShiftID, By: by})
	case domain.PaymentVoided:
		for i := range s.Payments {
			p := &s.Payments[i]
			if p.ID == d.PaymentID && !p.Voided {
				p.Voided, p.VoidReason = true, d.Reason
				s.PaidCents -= p.AmountCents
				s.TipCents -= p.TipCents
				s.VoidedCents += p.AmountCents
			}
		}
	case domain.Refunded:
		s.PaidCents -= d.AmountCents
		s.RefundedCents += d.AmountCents
		if s.State == StateClosed {
			s.BalanceCents += d.AmountCents
		}
		s.Refunds = append(s.Refunds, SessionRefund{ID: e.ID, Time: e.Time, AmountCents: d.AmountCents, Method: d.Method, Reason: d.Reason, By: by})
	case domain.SessionUnclaimed:
		t := e.Time
		s.Unclaimed, s.UnclaimedNight, s.UnclaimedAt = true, d.Night, &t
	}
}

// copyMoney makes v's money lists its own (for a snapshot or a query).
func copyMoney(v *SessionView) {
	if v.Payments != nil {
		v.Payments = append([]SessionPayment(nil), v.Payments...)
	}
	if v.Refunds != nil {
		v.Refunds = append([]SessionRefund(nil), v.Refunds...)
	}
	if v.UnclaimedAt != nil {
		t := *v.UnclaimedAt
		v.UnclaimedAt = &t
	}
}

// Unclaimable returns the chargers whose open session opened before
// closesAt and was not marked unclaimed at the closing named night.
func (b *Board) Unclaimable(closesAt time.Time, night string) []string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []string
	for _, s := range b.sessions.open {
		if s.State == StateOpen && s.OpenedAt.Before(closesAt) && s.UnclaimedNight != night {
			out = append(out, s.ChargerID)
		}
	}
	return out
}
