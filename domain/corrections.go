package domain

import (
	"strings"
	"unicode/utf8"
)

// Event types of money corrections, on the charger's subject (the session's
// aggregate) like the payments they correct.
const (
	TypePaymentVoided = "session.payment_voided"
	TypeRefunded      = "session.refunded"
)

// Codes of money corrections.
const (
	// CodeOverpayment refuses a payment above the balance due that is not
	// marked as a tip.
	CodeOverpayment = "overpayment"
	// CodeAlreadyVoided refuses voiding a payment twice.
	CodeAlreadyVoided = "already_voided"
	// CodeRefundTooLarge refuses a refund above what was paid net of
	// earlier refunds and voids.
	CodeRefundTooLarge = "refund_exceeds_paid"
	// CodeNoOpenShift refuses a payment naming a till with no open shift.
	CodeNoOpenShift = "no_open_shift"
	// CodeTillRequired refuses a payment without a till while several
	// shifts are open.
	CodeTillRequired = "till_required"
)

// MaxReasonLen bounds a void or refund reason.
const MaxReasonLen = MaxReferenceLen

// closedMoneyKept is how many handed-back sessions a charger keeps the
// money of, so that a refund after hand-back can be checked against what
// was paid. An older session cannot be refunded through the API.
const closedMoneyKept = 64

// PaymentVoided cancels a payment recorded by mistake, before the phone
// left. PaymentID is the payment event's id.
type PaymentVoided struct {
	PaymentID   string `json:"paymentId"`
	AmountCents int64  `json:"amountCents"`
	TipCents    int64  `json:"tipCents,omitempty"`
	Method      string `json:"method"`
	ShiftID     string `json:"shiftId,omitempty"`
	Reason      string `json:"reason"`
	Currency    string `json:"currency,omitempty"`
}

// Refunded is money given back for a session, before or after hand-back.
// ShiftID is the till shift the money left from (when one was open).
type Refunded struct {
	AmountCents int64  `json:"amountCents"`
	Method      string `json:"method"`
	ShiftID     string `json:"shiftId,omitempty"`
	Till        string `json:"till,omitempty"`
	Reason      string `json:"reason"`
	Currency    string `json:"currency,omitempty"`
}

// EventType implements Payload.
func (PaymentVoided) EventType() string { return TypePaymentVoided }

// EventType implements Payload.
func (Refunded) EventType() string { return TypeRefunded }

func init() {
	Register[PaymentVoided](TypePaymentVoided, 1)
	Register[Refunded](TypeRefunded, 1)
}

// PaymentEntry is one payment of a session as corrections see it.
type PaymentEntry struct {
	AmountCents int64
	TipCents    int64
	Method      string
	ShiftID     string
	Voided      bool
}

// SessionMoney is a session's money as the corrections need it: every
// payment by its event id, and what was refunded.
type SessionMoney struct {
	Payments      map[string]*PaymentEntry // by payment event id
	RefundedCents int64
}

// NetPaid returns what was paid, less voided payments and refunds (tips
// not counted).
func (m *SessionMoney) NetPaid() int64 {
	var n int64
	for _, p := range m.Payments {
		if !p.Voided {
			n += p.AmountCents
		}
	}
	return n - m.RefundedCents
}

// Void is a lead's command to void a payment.
type Void struct {
	PaymentID string
	Reason    string
}

// Refund is a lead's command to give money back.
type Refund struct {
	AmountCents int64
	Method      string
	Reason      string
	ShiftID     string
	Till        string
}

// checkReason trims and checks a correction's reason, which is required.
func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", Errorf(CodeInvalidInput, "reason is required: say why (\"typed 50.00 for 5.00\")")
	}
	if utf8.RuneCountInString(reason) > MaxReasonLen {
		return "", Errorf(CodeInvalidInput, "reason is longer than %d characters", MaxReasonLen)
	}
	if err := CheckText("reason", reason, false); err != nil {
		return "", err
	}
	return reason, nil
}

// applyMoney folds the money of payments and corrections; Apply calls it
// before its own cases, so a hand-back still finds the session open.
func (c *Charger) applyMoney(e Event) {
	switch d := e.Data.(type) {
	case PaymentRecorded:
		if c.Session != nil && c.Session.ID == e.SessionID {
			m := &c.Session.Money
			if m.Payments == nil {
				m.Payments = map[string]*PaymentEntry{}
			}
			m.Payments[e.ID] = &PaymentEntry{AmountCents: d.AmountCents, TipCents: d.TipCents, Method: d.Method, ShiftID: d.ShiftID}
		}
	case PaymentVoided:
		if c.Session != nil && c.Session.ID == e.SessionID {
			if p := c.Session.Money.Payments[d.PaymentID]; p != nil && !p.Voided {
				p.Voided = true
				c.Session.PaidCents -= p.AmountCents
			}
		}
	case Refunded:
		if c.Session != nil && c.Session.ID == e.SessionID {
			c.Session.Money.RefundedCents += d.AmountCents
			c.Session.PaidCents -= d.AmountCents
		} else if cs := c.closedSession(e.SessionID); cs != nil {
			cs.net -= d.AmountCents
		}
	case HandedBack:
		if c.Session != nil && c.Session.ID == e.SessionID {
			c.keepClosed(e.SessionID, c.Session.Money.NetPaid())
		}
	case SessionUnclaimed:
		if c.Session != nil && c.Session.ID == e.SessionID {
			c.Session.UnclaimedNight = d.Night
		}
	}
}

// closedSession returns a handed-back session still kept.
func (c *Charger) closedSession(sessionID string) *closedSession {
	for i := range c.closed {
		if c.closed[i].id == sessionID {
			return &c.closed[i]
		}
	}
	return nil
}

// keepClosed remembers what a handed-back session was paid net,
// forgetting the oldest past closedMoneyKept.
func (c *Charger) keepClosed(id string, net int64) {
	if len(c.closed) >= closedMoneyKept {
		copy(c.closed, c.closed[1:])
		c.closed = c.closed[:len(c.closed)-1]
	}
	c.closed = append(c.closed, closedSession{id: id, net: net})
}

// closedSession is a handed-back session's id and what it was paid, net
// of voids and refunds: all a refund needs, in a few bytes.
type closedSession struct {
	id  string
	net int64
}

// VoidPayment decides a void: only while the phone is still at the booth
// (after hand-back it is a refund), only of a payment of this session, and
// once.
func (c *Charger) VoidPayment(x Ctx, t Tariff, sessionID string, v Void) ([]Event, error) {
	reason, err := checkReason(v.Reason)
	if err != nil {
		return nil, err
	}
	if c.Session == nil || c.Session.ID != sessionID {
		if c.closedSession(sessionID) != nil {
			return nil, Errorf(CodeSessionClosed, "session %s was handed back: a payment can no longer be voided; refund it instead", sessionID)
		}
		return nil, Errorf(CodeSessionClosed, "session %s is not open on charger %s", sessionID, c.ID)
	}
	p := c.Session.Money.Payments[v.PaymentID]
	if p == nil {
		return nil, Errorf(CodeNotFound, "session %s has no payment %.40q", sessionID, v.PaymentID)
	}
	if p.Voided {
		return nil, Errorf(CodeAlreadyVoided, "payment %s was already voided", v.PaymentID)
	}
	return []Event{x.event(c.ID, sessionID, PaymentVoided{PaymentID: v.PaymentID, AmountCents: p.AmountCents, TipCents: p.TipCents,
		Method: p.Method, ShiftID: p.ShiftID, Reason: reason, Currency: t.Currency})}, nil
}

// RefundSession decides a refund: never more than was paid net of earlier
// refunds and voids; on an open session or one handed back recently.
func (c *Charger) RefundSession(x Ctx, t Tariff, sessionID string, r Refund) ([]Event, error) {
	if r.AmountCents <= 0 {
		return nil, Errorf(CodeInvalidAmount, "amountCents must be a positive whole number of cents")
	}
	if r.Method != MethodCash && r.Method != MethodCard {
		return nil, Errorf(CodeInvalidMethod, "method must be %q or %q", MethodCash, MethodCard)
	}
	reason, err := checkReason(r.Reason)
	if err != nil {
		return nil, err
	}
	var net int64
	if c.Session != nil && c.Session.ID == sessionID {
		net = c.Session.Money.NetPaid()
	} else if cs := c.closedSession(sessionID); cs != nil {
		net = cs.net
	} else {
		return nil, Errorf(CodeSessionClosed, "session %s is not among the last %d sessions of charger %s; it cannot be refunded here", sessionID, closedMoneyKept, c.ID)
	}
	if r.AmountCents > net {
		return nil, Errorf(CodeRefundTooLarge, "a refund of %d cents exceeds the %d cents paid (net of earlier refunds and voids)", r.AmountCents, net)
	}
	return []Event{x.event(c.ID, sessionID, Refunded{AmountCents: r.AmountCents, Method: r.Method, ShiftID: r.ShiftID,
		Till: r.Till, Reason: reason, Currency: t.Currency})}, nil
}
