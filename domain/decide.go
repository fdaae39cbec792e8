package domain

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Ctx carries what every decision needs from outside: the time and an id
// source. It keeps decide free of clocks and random numbers.
type Ctx struct {
	Now   time.Time
	NewID IDSource
	// NewTicket makes the claim code and customer token of a session that
	// opens (nil: sessions open without a ticket).
	NewTicket TicketSource
}

func (x Ctx) event(chargerID, sessionID string, p Payload) Event {
	return NewEvent(x.NewID(), x.Now, chargerID, sessionID, p)
}

// Reading is a state-of-charge report from a charger (simple JSON or OCPP).
type Reading struct {
	SoC float64
	// ReadingID is the charger's own id for the reading (optional). With it
	// the event id is derived, so a re-sent reading is stored once.
	ReadingID string
	// EventID, when set, is the event's id already derived by the edge
	// (OCPP derives one id per replayable message, see DerivedID); it is
	// used as is rather than derived again from ReadingID, which then only
	// tells replay where the reading came from.
	EventID string
	// By tells how a session opened by this reading was opened.
	By string
	// SampledAt is when the charger took the reading (an OCPP sample's
	// timestamp), zero when it did not say: the reading is recorded at
	// it when it is believable (see Charger.readingTime), so readings
	// replayed after an offline period keep their time.
	SampledAt time.Time
}

// KindScopedReading is the DerivedID kind of a simple-protocol reading
// that carries the charger's own reading id; see ReadingEventID.
const KindScopedReading = "reading.soc"

// ReadingEventID returns the event id of a reading that carries the
// charger's own id: derived from the charger, the reading id and the
// state of charge, so the same reading re-sent (after a reconnect, on a
// new socket) is stored once, while another connection's reading with the
// same id and another value cannot pre-empt it (it gets another event id
// and is stored beside it). Ids derived from the reading id alone (older
// versions) are still recognised as duplicates by ReportSoC.
func ReadingEventID(chargerID, readingID string, soc float64) string {
	return DerivedID(chargerID, KindScopedReading, readingID+"\x00"+strconv.FormatFloat(soc, 'g', -1, 64))
}

// ReportSoC decides a reading: it opens a session when none is open (kept
// with widgetID, the widget paired with the charger now), records the
// reading and marks the session charged the first time it reaches 100.
// A reading whose id was already stored yields no events.
func (c *Charger) ReportSoC(x Ctx, r Reading, widgetID string) ([]Event, error) {
	if err := ValidateSoC(r.SoC); err != nil {
		return nil, err
	}
	id := r.EventID
	if id == "" && r.ReadingID != "" {
		id = ReadingEventID(c.ID, r.ReadingID, r.SoC)
		if _, dup := c.Seen(DerivedID(c.ID, KindReading, r.ReadingID)); dup {
			return nil, nil // stored by a version that derived ids from the reading id alone
		}
	}
	if id != "" {
		if _, dup := c.Seen(id); dup {
			return nil, nil
		}
	} else {
		id = x.NewID()
	}
	if r.ReadingID == "" && r.EventID != "" {
		r.ReadingID = r.EventID // remembered, so a re-sent message is stored once
	}
	at, note := c.readingTime(r.SampledAt, x.Now)
	rx := x
	rx.Now = at
	var out []Event
	sessionID := ""
	charged := false
	if c.Session == nil {
		sessionID = x.NewID()
		by := r.By
		if by == "" {
			by = OpenedByReading
		}
		out = append(out, rx.event(c.ID, sessionID, rx.opened(by, widgetID, "")))
	} else {
		sessionID = c.Session.ID
		charged = !c.Session.ChargedAt.IsZero()
	}
	st := StatusFor(r.SoC)
	rep := SoCReported{SoC: r.SoC, Status: st, ReadingID: r.ReadingID, TimeNote: note}
	if !at.Equal(x.Now) {
		received := x.Now.UTC()
		rep.ReceivedAt = &received
	}
	if note != "" {
		sampled := r.SampledAt.UTC()
		rep.SampledAt = &sampled
	}
	out = append(out, NewEvent(id, at, c.ID, sessionID, rep))
	if st == StatusCharged && !charged {
		out = append(out, rx.event(c.ID, sessionID, SessionCharged{}))
	}
	return out, nil
}

// CheckIn opens a session by staff before the first reading.
func (c *Charger) CheckIn(x Ctx, widgetID string) ([]Event, error) {
	return c.CheckInWith(x, CheckIn{WidgetID: widgetID})
}

// Payment is a staff command to record money taken.
type Payment struct {
	AmountCents    int64
	Method         string
	Reference      string
	IdempotencyKey string
	// Tip lets the amount exceed the balance: the part above it is
	// recorded as TipCents.
	Tip bool
	// ShiftID and Till name the till shift the money went into.
	ShiftID string
	Till    string
}

// MaxReferenceLen bounds a payment reference or a waive reason.
const MaxReferenceLen = 200

func (c *Charger) openSession(sessionID string) (*OpenSession, error) {
	if c.Session == nil || c.Session.ID != sessionID {
		return nil, Errorf(CodeSessionClosed, "session %s is not open on charger %s", sessionID, c.ID)
	}
	return c.Session, nil
}

// RecordPayment decides a payment. A retry with the same idempotency key
// and the same payment yields no events; the same key with another payment
// is refused.
func (c *Charger) RecordPayment(x Ctx, t Tariff, sessionID string, p Payment) ([]Event, error) {
	if p.AmountCents <= 0 {
		return nil, Errorf(CodeInvalidAmount, "amountCents must be a positive whole number of cents")
	}
	if p.Method != MethodCash && p.Method != MethodCard {
		return nil, Errorf(CodeInvalidMethod, "method must be %q or %q", MethodCash, MethodCard)
	}
	if utf8.RuneCountInString(p.Reference) > MaxReferenceLen {
		return nil, Errorf(CodeInvalidInput, "reference is longer than %d characters", MaxReferenceLen)
	}
	if err := CheckText("reference", p.Reference, false); err != nil {
		return nil, err
	}
	s, err := c.openSession(sessionID)
	if err != nil {
		return nil, err
	}
	if p.IdempotencyKey != "" {
		if prev, ok := s.Payments[p.IdempotencyKey]; ok {
			if prev.AmountCents+prev.TipCents == p.AmountCents && prev.Method == p.Method && prev.Reference == p.Reference {
				return nil, nil
			}
			return nil, Errorf(CodeIdempotencyUsed, "Idempotency-Key %q was already used for another payment", p.IdempotencyKey)
		}
	}
	amount, tip := p.AmountCents, int64(0)
	if bal := max(s.Balance(t, x.Now), 0); amount > bal {
		if !p.Tip {
			return nil, Errorf(CodeOverpayment, "amount %d exceeds the balance of %d cents; take %d, or mark the payment as a tip", p.AmountCents, bal, bal)
		}
		amount, tip = bal, amount-bal
	}
	return []Event{x.event(c.ID, sessionID, PaymentRecorded{AmountCents: amount, Method: p.Method,
		Reference: p.Reference, IdempotencyKey: p.IdempotencyKey, Currency: t.Currency, TipCents: tip, ShiftID: p.ShiftID, Till: p.Till})}, nil
}

// HandBack closes the session: refused while money is owed unless waived
// with a reason.
func (c *Charger) HandBack(x Ctx, t Tariff, sessionID, waiveReason string) ([]Event, error) {
	s, err := c.openSession(sessionID)
	if err != nil {
		return nil, err
	}
	waiveReason = strings.TrimSpace(waiveReason)
	if utf8.RuneCountInString(waiveReason) > MaxReferenceLen {
		return nil, Errorf(CodeInvalidInput, "waiveReason is longer than %d characters", MaxReferenceLen)
	}
	if err := CheckText("waiveReason", waiveReason, false); err != nil {
		return nil, err
	}
	due := t.Due(s.OpenedAt, x.Now)
	owed := due - s.PaidCents
	if owed > 0 && waiveReason == "" {
		return nil, Errorf(CodeBalanceDue, "%d cents are still owed; take payment or give a waiveReason", owed)
	}
	return []Event{x.event(c.ID, sessionID, HandedBack{AmountDueCents: due, PaidCents: s.PaidCents,
		Waived: owed > 0, WaiveReason: waiveReason})}, nil
}

// Connect records the charger's socket opening.
func (c *Charger) Connect(x Ctx, instance, conn, protocol, remote string) []Event {
	return []Event{x.event(c.ID, c.sessionID(), ChargerConnected{Instance: instance, Conn: conn, Protocol: protocol, Remote: remote})}
}

// Disconnect records the charger's socket closing; nothing when a newer
// connection already replaced it.
func (c *Charger) Disconnect(x Ctx, instance, conn, reason string) []Event {
	if c.Conn != conn {
		return nil
	}
	return []Event{x.event(c.ID, c.sessionID(), ChargerDisconnected{Instance: instance, Conn: conn, Reason: reason})}
}

// MarkOverdue raises the overdue reminder once, when the open session was
// charged at least collectAfter ago and not handed back.
func (c *Charger) MarkOverdue(x Ctx, collectAfter time.Duration) []Event {
	s := c.Session
	if s == nil || s.Overdue || s.ChargedAt.IsZero() || x.Now.Sub(s.ChargedAt) < collectAfter {
		return nil
	}
	return []Event{x.event(c.ID, s.ID, SessionOverdue{ChargedAt: s.ChargedAt, CollectAfter: collectAfter.String()})}
}

// Record wraps a plain fact about the charger (OCPP boot metadata,
// connector status) into an event on the open session, if any.
func (c *Charger) Record(x Ctx, p Payload) []Event {
	return []Event{x.event(c.ID, c.sessionID(), p)}
}

// RecordOnce is Record with a derived id: nothing when the id was applied.
func (c *Charger) RecordOnce(x Ctx, eventID string, p Payload) []Event {
	if _, dup := c.Seen(eventID); dup {
		return nil
	}
	return []Event{NewEvent(eventID, x.Now, c.ID, c.sessionID(), p)}
}

// StartTransaction decides an OCPP StartTransaction: it opens a session
// when none is open and records the transaction with d.TransactionID (the
// next per-charger id when 0, as versions before the booth-wide counter
// numbered them). A replay (same derived event id) yields no events and
// the original id. A start whose id tag was not accepted
// (d.IDTagStatus) is recorded on no session and opens none. A start
// while another transaction is open on the
// charger closes that one first (TransactionStopped with Superseded): the
// charger has started anew, so it will not stop the old one — it lost it
// (a reboot, a power cut) — and a booth charger serves one phone.
func (c *Charger) StartTransaction(x Ctx, eventID string, d TransactionStarted, widgetID string) ([]Event, int) {
	if tx, dup := c.Seen(eventID); dup {
		return nil, tx
	}
	if d.TransactionID == 0 {
		d.TransactionID = c.LastTxID + 1
	}
	if d.IDTagStatus != "" && d.IDTagStatus != TagAccepted {
		return []Event{NewEvent(eventID, x.Now, c.ID, "", d)}, d.TransactionID
	}
	var out []Event
	sessionID := c.sessionID()
	if sessionID == "" {
		sessionID = x.NewID()
		out = append(out, x.event(c.ID, sessionID, x.opened(OpenedByOCPP, widgetID, "")))
	} else if prev := c.Session.TransactionID; prev != 0 && prev != d.TransactionID {
		out = append(out, x.event(c.ID, sessionID, TransactionStopped{TransactionID: prev, MeterStop: d.MeterStart,
			Reason: "Other", Timestamp: d.Timestamp, Superseded: d.TransactionID}))
	}
	out = append(out, NewEvent(eventID, x.Now, c.ID, sessionID, d))
	return out, d.TransactionID
}

// StopTransaction decides an OCPP StopTransaction: on the open session
// when it stops the open transaction; otherwise (an id this charger has no
// open transaction with: unknown, superseded, or of a session handed back)
// recorded with NotOpen and on no session, so it changes nothing — the
// charger is answered all the same, so that it can clear its queue. A
// replay yields no events.
func (c *Charger) StopTransaction(x Ctx, eventID string, d TransactionStopped) []Event {
	if _, dup := c.Seen(eventID); dup {
		return nil
	}
	sessionID := c.sessionID()
	if c.Session == nil || c.Session.TransactionID == 0 || c.Session.TransactionID != d.TransactionID {
		d.NotOpen, sessionID = true, ""
	}
	return []Event{NewEvent(eventID, x.Now, c.ID, sessionID, d)}
}

func (c *Charger) sessionID() string {
	if c.Session == nil {
		return ""
	}
	return c.Session.ID
}

// Retire decides that the charger is forgotten (see ChargerRetired):
// refused while it has an open session or is online. Whether it is paired or enrolled is the Service's to
// check (see Service.RetireCharger). idleSince is when it was last seen.
func (c *Charger) Retire(x Ctx, reason string, idleSince time.Time) ([]Event, error) {
	if c.Session != nil {
		return nil, Errorf(CodeSessionOpen, "charger %s has an open session (%s); hand the phone back first", c.ID, c.Session.ID)
	}
	if c.Online {
		return nil, Errorf(CodeChargerOnline, "charger %s is connected; it can be retired once it is offline", c.ID)
	}
	return []Event{x.event(c.ID, "", ChargerRetired{Reason: reason, IdleSince: idleSince.UTC()})}, nil
}
