package domain_test

import (
	"math"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

const (
	charger = "c1"
	sess1   = "01J1Z5Q8W3M4N5P6Q7R8S9T0S1"
)

// hourly is a tariff that grows with time, for money cases.
var hourly = domain.Tariff{FlatCents: 200, HourlyCents: 300, Currency: "EUR"}

// at builds a given event of charger c1 at t0+d on session.
func at(d time.Duration, session string, p domain.Payload) domain.Event {
	return domain.NewEvent("", t0.Add(d), charger, session, p)
}

// with sets a given event's id (for derived ids).
func with(id string, e domain.Event) domain.Event {
	e.ID = id
	return e
}

// history assigns stream sequences (and ids where unset) to given events,
// as the store would when they are read back.
func history(events []domain.Event) []domain.Event {
	out := make([]domain.Event, len(events))
	ids := seqIDs()
	for i, e := range events {
		e.Seq = uint64(i + 1)
		if e.ID == "" {
			e.ID = "G" + ids()[1:]
		}
		out[i] = e
	}
	return out
}

// opened is the history of a session s1 opened at t0 by a reading of 50.
func opened() []domain.Event {
	return []domain.Event{
		at(0, sess1, domain.SessionOpened{By: domain.OpenedByReading, WidgetID: "w1"}),
		at(0, sess1, domain.SoCReported{SoC: 50, Status: domain.StatusCharging}),
	}
}

// then builds a given list from parts.
func given(parts ...[]domain.Event) []domain.Event {
	var out []domain.Event
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func one(e domain.Event) []domain.Event { return []domain.Event{e} }

func reading(soc float64) func(*domain.Charger, domain.Ctx) ([]domain.Event, error) {
	return func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return c.ReportSoC(x, domain.Reading{SoC: soc}, "w1")
	}
}

func pay(t domain.Tariff, session string, p domain.Payment) func(*domain.Charger, domain.Ctx) ([]domain.Event, error) {
	return func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return c.RecordPayment(x, t, session, p)
	}
}

func handBack(t domain.Tariff, session, reason string) func(*domain.Charger, domain.Ctx) ([]domain.Event, error) {
	return func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return c.HandBack(x, t, session, reason)
	}
}

func noErr(f func(*domain.Charger, domain.Ctx) []domain.Event) func(*domain.Charger, domain.Ctx) ([]domain.Event, error) {
	return func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) { return f(c, x), nil }
}

func overdue(after time.Duration) func(*domain.Charger, domain.Ctx) ([]domain.Event, error) {
	return noErr(func(c *domain.Charger, x domain.Ctx) []domain.Event { return c.MarkOverdue(x, after) })
}

// decideCase is one given–when–then case of the charger aggregate.
type decideCase struct {
	name     string
	given    []domain.Event
	now      time.Duration // when happens at t0+now
	when     func(*domain.Charger, domain.Ctx) ([]domain.Event, error)
	then     []domain.Payload
	wantCode string
	// session, when set, is the session id every new event must carry;
	// "new" means a fresh one other than sess1.
	session string
}

func TestChargerDecide(t *testing.T) {
	paid500 := one(at(time.Minute, sess1, domain.PaymentRecorded{AmountCents: 500, Method: domain.MethodCash, IdempotencyKey: "k1", Currency: "EUR"}))
	tests := []decideCase{
		// Readings and sessions.
		{
			name: "first reading opens a session",
			when: reading(42),
			then: []domain.Payload{
				domain.SessionOpened{By: domain.OpenedByReading, WidgetID: "w1"},
				domain.SoCReported{SoC: 42, Status: domain.StatusCharging},
			},
			session: "new",
		},
		{
			name: "first reading keeps how it opened",
			when: func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
				return c.ReportSoC(x, domain.Reading{SoC: 80, By: domain.OpenedByOCPP}, "")
			},
			then: []domain.Payload{
				domain.SessionOpened{By: domain.OpenedByOCPP},
				domain.SoCReported{SoC: 80, Status: domain.StatusCharging80},
			},
			session: "new",
		},
		{
			name:    "second reading does not open a session",
			given:   opened(),
			when:    reading(60),
			then:    []domain.Payload{domain.SoCReported{SoC: 60, Status: domain.StatusCharging}},
			session: sess1,
		},
		{
			name:  "reaching 100 marks the session charged",
			given: opened(),
			when:  reading(100),
			then: []domain.Payload{
				domain.SoCReported{SoC: 100, Status: domain.StatusCharged},
				domain.SessionCharged{},
			},
			session: sess1,
		},
		{
			name: "first reading of 100 opens and charges",
			when: reading(100),
			then: []domain.Payload{
				domain.SessionOpened{By: domain.OpenedByReading, WidgetID: "w1"},
				domain.SoCReported{SoC: 100, Status: domain.StatusCharged},
				domain.SessionCharged{},
			},
			session: "new",
		},
		{
			name: "charged only once",
			given: given(opened(),
				one(at(time.Minute, sess1, domain.SoCReported{SoC: 100, Status: domain.StatusCharged})),
				one(at(time.Minute, sess1, domain.SessionCharged{}))),
			when: reading(100),
			then: []domain.Payload{domain.SoCReported{SoC: 100, Status: domain.StatusCharged}},
		},
		{
			name: "charged only once even after dipping below 100",
			given: given(opened(),
				one(at(time.Minute, sess1, domain.SoCReported{SoC: 100, Status: domain.StatusCharged})),
				one(at(time.Minute, sess1, domain.SessionCharged{})),
				one(at(2*time.Minute, sess1, domain.SoCReported{SoC: 99, Status: domain.StatusCharging80}))),
			when: reading(100),
			then: []domain.Payload{domain.SoCReported{SoC: 100, Status: domain.StatusCharged}},
		},
		{
			name: "reading id stored once",
			given: given(opened(), one(with(domain.DerivedID(charger, domain.KindReading, "r-17"),
				at(time.Minute, sess1, domain.SoCReported{SoC: 70, Status: domain.StatusCharging, ReadingID: "r-17"})))),
			when: func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
				return c.ReportSoC(x, domain.Reading{SoC: 70, ReadingID: "r-17"}, "")
			},
			then: nil,
		},
		{
			name: "another reading id is stored",
			given: given(opened(), one(with(domain.DerivedID(charger, domain.KindReading, "r-17"),
				at(time.Minute, sess1, domain.SoCReported{SoC: 70, Status: domain.StatusCharging, ReadingID: "r-17"})))),
			when: func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
				return c.ReportSoC(x, domain.Reading{SoC: 71, ReadingID: "r-18"}, "")
			},
			then: []domain.Payload{domain.SoCReported{SoC: 71, Status: domain.StatusCharging, ReadingID: "r-18"}},
		},
		{name: "soc above 100 refused", when: reading(101), wantCode: domain.CodeInvalidSoC},
		{name: "negative soc refused", given: opened(), when: reading(-1), wantCode: domain.CodeInvalidSoC},
		{name: "NaN soc refused", when: reading(math.NaN()), wantCode: domain.CodeInvalidSoC},
		{
			name: "a reading after hand-back opens a new session",
			given: given(opened(), paid500,
				one(at(time.Minute, sess1, domain.HandedBack{AmountDueCents: 500, PaidCents: 500}))),
			when: reading(10),
			then: []domain.Payload{
				domain.SessionOpened{By: domain.OpenedByReading, WidgetID: "w1"},
				domain.SoCReported{SoC: 10, Status: domain.StatusCharging},
			},
			session: "new",
		},

		// Check-in.
		{
			name:    "check in opens a session",
			when:    func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) { return c.CheckIn(x, "w9") },
			then:    []domain.Payload{domain.SessionOpened{By: domain.OpenedByStaff, WidgetID: "w9"}},
			session: "new",
		},
		{
			name:     "check in while a session is open",
			given:    opened(),
			when:     func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) { return c.CheckIn(x, "w9") },
			wantCode: domain.CodeSessionOpen,
		},

		// Payments.
		{
			name:  "payment recorded",
			given: opened(),
			when:  pay(domain.DefaultTariff, sess1, domain.Payment{AmountCents: 300, Method: domain.MethodCard, Reference: "pos-1", IdempotencyKey: "k1"}),
			then: []domain.Payload{domain.PaymentRecorded{AmountCents: 300, Method: domain.MethodCard, Reference: "pos-1",
				IdempotencyKey: "k1", Currency: "EUR"}},
			session: sess1,
		},
		{
			name:     "negative payment",
			given:    opened(),
			when:     pay(domain.DefaultTariff, sess1, domain.Payment{AmountCents: -5, Method: domain.MethodCash}),
			wantCode: domain.CodeInvalidAmount,
		},
		{
			name:     "zero payment",
			given:    opened(),
			when:     pay(domain.DefaultTariff, sess1, domain.Payment{AmountCents: 0, Method: domain.MethodCash}),
			wantCode: domain.CodeInvalidAmount,
		},
		{
			name:     "bitcoin",
			given:    opened(),
			when:     pay(domain.DefaultTariff, sess1, domain.Payment{AmountCents: 100, Method: "bitcoin"}),
			wantCode: domain.CodeInvalidMethod,
		},
		{
			name:     "reference too long",
			given:    opened(),
			when:     pay(domain.DefaultTariff, sess1, domain.Payment{AmountCents: 100, Method: domain.MethodCash, Reference: string(make([]byte, domain.MaxReferenceLen+1))}),
			wantCode: domain.CodeInvalidInput,
		},
		{
			name:     "reference with a bidi override",
			given:    opened(),
			when:     pay(domain.DefaultTariff, sess1, domain.Payment{AmountCents: 100, Method: domain.MethodCash, Reference: "refund \u202e0001"}),
			wantCode: domain.CodeInvalidInput,
		},
		{
			name:     "reference on two lines",
			given:    opened(),
			when:     pay(domain.DefaultTariff, sess1, domain.Payment{AmountCents: 100, Method: domain.MethodCash, Reference: "a\nb"}),
			wantCode: domain.CodeInvalidInput,
		},
		{
			name:     "payment for an unknown session",
			given:    opened(),
			when:     pay(domain.DefaultTariff, "01J1Z5Q8W3M4N5P6Q7R8S9T0XX", domain.Payment{AmountCents: 100, Method: domain.MethodCash}),
			wantCode: domain.CodeSessionClosed,
		},
		{
			name:     "payment with no session",
			when:     pay(domain.DefaultTariff, sess1, domain.Payment{AmountCents: 100, Method: domain.MethodCash}),
			wantCode: domain.CodeSessionClosed,
		},
		{
			name:     "overpay",
			given:    opened(),
			when:     pay(domain.DefaultTariff, sess1, domain.Payment{AmountCents: 501, Method: domain.MethodCash}),
			wantCode: domain.CodeOverpayment,
		},
		{
			name:     "overpay after a part payment",
			given:    given(opened(), one(at(time.Minute, sess1, domain.PaymentRecorded{AmountCents: 300, Method: domain.MethodCash}))),
			when:     pay(domain.DefaultTariff, sess1, domain.Payment{AmountCents: 201, Method: domain.MethodCash}),
			wantCode: domain.CodeOverpayment,
		},
		{
			name:  "the rest after a part payment",
			given: given(opened(), one(at(time.Minute, sess1, domain.PaymentRecorded{AmountCents: 300, Method: domain.MethodCash}))),
			when:  pay(domain.DefaultTariff, sess1, domain.Payment{AmountCents: 200, Method: domain.MethodCash}),
			then:  []domain.Payload{domain.PaymentRecorded{AmountCents: 200, Method: domain.MethodCash, Currency: "EUR"}},
		},
		{
			name:  "hourly tariff: balance grows with time",
			given: opened(),
			now:   90 * time.Minute, // 200 + 2×300
			when:  pay(hourly, sess1, domain.Payment{AmountCents: 800, Method: domain.MethodCash}),
			then:  []domain.Payload{domain.PaymentRecorded{AmountCents: 800, Method: domain.MethodCash, Currency: "EUR"}},
		},
		{
			name:     "hourly tariff: overpay",
			given:    opened(),
			now:      90 * time.Minute,
			when:     pay(hourly, sess1, domain.Payment{AmountCents: 801, Method: domain.MethodCash}),
			wantCode: domain.CodeOverpayment,
		},
		{
			name:  "idempotency key retry yields nothing",
			given: given(opened(), paid500),
			when:  pay(domain.DefaultTariff, sess1, domain.Payment{AmountCents: 500, Method: domain.MethodCash, IdempotencyKey: "k1"}),
			then:  nil,
		},
		{
			name:     "idempotency key reused for another amount",
			given:    given(opened(), paid500),
			when:     pay(domain.DefaultTariff, sess1, domain.Payment{AmountCents: 400, Method: domain.MethodCash, IdempotencyKey: "k1"}),
			wantCode: domain.CodeIdempotencyUsed,
		},
		{
			name:     "idempotency key reused for another method",
			given:    given(opened(), paid500),
			when:     pay(domain.DefaultTariff, sess1, domain.Payment{AmountCents: 500, Method: domain.MethodCard, IdempotencyKey: "k1"}),
			wantCode: domain.CodeIdempotencyUsed,
		},
		{
			name:    "idempotency keys are per session",
			given:   given(opened(), paid500, one(at(time.Minute, sess1, domain.HandedBack{AmountDueCents: 500, PaidCents: 500})), opened2()),
			when:    pay(domain.DefaultTariff, sess2, domain.Payment{AmountCents: 500, Method: domain.MethodCash, IdempotencyKey: "k1"}),
			then:    []domain.Payload{domain.PaymentRecorded{AmountCents: 500, Method: domain.MethodCash, IdempotencyKey: "k1", Currency: "EUR"}},
			session: sess2,
		},

		// Hand-back.
		{
			name:     "hand back while money is owed",
			given:    opened(),
			when:     handBack(domain.DefaultTariff, sess1, ""),
			wantCode: domain.CodeBalanceDue,
		},
		{
			name:     "hand back with a blank waive reason",
			given:    opened(),
			when:     handBack(domain.DefaultTariff, sess1, "   "),
			wantCode: domain.CodeBalanceDue,
		},
		{
			name:     "hand back with part paid",
			given:    given(opened(), one(at(time.Minute, sess1, domain.PaymentRecorded{AmountCents: 300, Method: domain.MethodCash}))),
			when:     handBack(domain.DefaultTariff, sess1, ""),
			wantCode: domain.CodeBalanceDue,
		},
		{
			name:     "hand back waived with a control character",
			given:    opened(),
			when:     handBack(domain.DefaultTariff, sess1, "crew\x1b[2J phone"),
			wantCode: domain.CodeInvalidInput,
		},
		{
			name:    "hand back waived with a reason",
			given:   opened(),
			when:    handBack(domain.DefaultTariff, sess1, "  crew phone "),
			then:    []domain.Payload{domain.HandedBack{AmountDueCents: 500, Waived: true, WaiveReason: "crew phone"}},
			session: sess1,
		},
		{
			name:    "hand back paid",
			given:   given(opened(), paid500),
			when:    handBack(domain.DefaultTariff, sess1, ""),
			then:    []domain.Payload{domain.HandedBack{AmountDueCents: 500, PaidCents: 500, Waived: false}},
			session: sess1,
		},
		{
			name:     "hand back under an hourly tariff owes the hours since",
			given:    given(opened(), one(at(time.Minute, sess1, domain.PaymentRecorded{AmountCents: 500, Method: domain.MethodCash}))),
			now:      61 * time.Minute, // 200 + 2×300 = 800
			when:     handBack(hourly, sess1, ""),
			wantCode: domain.CodeBalanceDue,
		},
		{
			name:     "hand back of an unknown session",
			given:    opened(),
			when:     handBack(domain.DefaultTariff, "01J1Z5Q8W3M4N5P6Q7R8S9T0XX", "x"),
			wantCode: domain.CodeSessionClosed,
		},
		{
			name:     "hand back twice",
			given:    given(opened(), paid500, one(at(time.Minute, sess1, domain.HandedBack{AmountDueCents: 500, PaidCents: 500}))),
			when:     handBack(domain.DefaultTariff, sess1, ""),
			wantCode: domain.CodeSessionClosed,
		},

		// Presence.
		{
			name: "connect",
			when: noErr(func(c *domain.Charger, x domain.Ctx) []domain.Event {
				return c.Connect(x, "i1", "k1", "json", "10.0.0.1:1")
			}),
			then: []domain.Payload{domain.ChargerConnected{Instance: "i1", Conn: "k1", Protocol: "json", Remote: "10.0.0.1:1"}},
		},
		{
			name:    "connect during a session carries the session",
			given:   opened(),
			when:    noErr(func(c *domain.Charger, x domain.Ctx) []domain.Event { return c.Connect(x, "i1", "k1", "json", "") }),
			then:    []domain.Payload{domain.ChargerConnected{Instance: "i1", Conn: "k1", Protocol: "json"}},
			session: sess1,
		},
		{
			name:  "disconnect of the current connection",
			given: one(at(0, "", domain.ChargerConnected{Instance: "i1", Conn: "k1", Protocol: "json"})),
			when:  noErr(func(c *domain.Charger, x domain.Ctx) []domain.Event { return c.Disconnect(x, "i1", "k1", "closed") }),
			then:  []domain.Payload{domain.ChargerDisconnected{Instance: "i1", Conn: "k1", Reason: "closed"}},
		},
		{
			name: "disconnect of a replaced connection",
			given: given(one(at(0, "", domain.ChargerConnected{Instance: "i1", Conn: "k1", Protocol: "json"})),
				one(at(0, "", domain.ChargerConnected{Instance: "i2", Conn: "k2", Protocol: "json"}))),
			when: noErr(func(c *domain.Charger, x domain.Ctx) []domain.Event { return c.Disconnect(x, "i1", "k1", "replaced") }),
			then: nil,
		},

		// Overdue reminders.
		{
			name:    "overdue after collectAfter",
			given:   given(opened(), one(at(time.Hour, sess1, domain.SessionCharged{}))),
			now:     time.Hour + 30*time.Minute,
			when:    overdue(30 * time.Minute),
			then:    []domain.Payload{domain.SessionOverdue{ChargedAt: t0.Add(time.Hour), CollectAfter: "30m0s"}},
			session: sess1,
		},
		{
			name:  "not overdue before collectAfter",
			given: given(opened(), one(at(time.Hour, sess1, domain.SessionCharged{}))),
			now:   time.Hour + 30*time.Minute - time.Second,
			when:  overdue(30 * time.Minute),
			then:  nil,
		},
		{
			name:  "overdue once only",
			given: given(opened(), one(at(time.Hour, sess1, domain.SessionCharged{})), one(at(2*time.Hour, sess1, domain.SessionOverdue{ChargedAt: t0.Add(time.Hour), CollectAfter: "30m0s"}))),
			now:   5 * time.Hour,
			when:  overdue(30 * time.Minute),
			then:  nil,
		},
		{
			name:  "not overdue when not charged",
			given: opened(),
			now:   24 * time.Hour,
			when:  overdue(30 * time.Minute),
			then:  nil,
		},
		{
			name: "not overdue after hand-back",
			given: given(opened(), one(at(time.Hour, sess1, domain.SessionCharged{})), paid500,
				one(at(time.Hour, sess1, domain.HandedBack{AmountDueCents: 500, PaidCents: 500}))),
			now:  5 * time.Hour,
			when: overdue(30 * time.Minute),
			then: nil,
		},

		// Plain facts.
		{
			name:  "record a fact on the open session",
			given: opened(),
			when: noErr(func(c *domain.Charger, x domain.Ctx) []domain.Event {
				return c.Record(x, domain.ConnectorStatus{ConnectorID: 1, Status: "Charging", ErrorCode: "NoError"})
			}),
			then:    []domain.Payload{domain.ConnectorStatus{ConnectorID: 1, Status: "Charging", ErrorCode: "NoError"}},
			session: sess1,
		},
		{
			name:  "record once: a replayed id yields nothing",
			given: given(opened(), one(with(domain.DerivedID(charger, "ocpp", "m-1"), at(time.Minute, sess1, domain.MeterSampled{ConnectorID: 1, Measurand: "Voltage", Value: "230"})))),
			when: noErr(func(c *domain.Charger, x domain.Ctx) []domain.Event {
				return c.RecordOnce(x, domain.DerivedID(charger, "ocpp", "m-1"), domain.MeterSampled{ConnectorID: 1, Measurand: "Voltage", Value: "230"})
			}),
			then: nil,
		},
	}
	runDecideCases(t, tests)
}

// runDecideCases runs given–when–then cases of the charger aggregate: a
// refusal has its code and no events; a decision has the payloads and
// envelopes wanted, in the session wanted, and folds.
func runDecideCases(t *testing.T, tests []decideCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := domain.NewCharger(charger)
			c.Fold(history(tt.given))
			x := ctxAt(tt.now)
			got, err := tt.when(c, x)
			checkCode(t, err, tt.wantCode)
			if err != nil {
				if len(got) != 0 {
					t.Fatalf("refusal with events: %s", fmtPayloads(payloads(got)))
				}
				return
			}
			checkPayloads(t, got, tt.then)
			checkEnvelopes(t, got, charger, x.Now)
			for i, e := range got {
				switch tt.session {
				case "":
				case "new":
					if e.SessionID == "" || e.SessionID == sess1 || e.SessionID != got[0].SessionID {
						t.Errorf("event %d: session %q, want one new session", i, e.SessionID)
					}
				default:
					if e.SessionID != tt.session {
						t.Errorf("event %d: session got %q, want %q", i, e.SessionID, tt.session)
					}
				}
			}
			// What was decided folds without trouble.
			c.Fold(got)
		})
	}
}

const sess2 = "01J1Z5Q8W3M4N5P6Q7R8S9T0S2"

// opened2 opens a second session s2 after s1 was handed back.
func opened2() []domain.Event {
	return []domain.Event{
		at(2*time.Hour, sess2, domain.SessionOpened{By: domain.OpenedByReading}),
		at(2*time.Hour, sess2, domain.SoCReported{SoC: 20, Status: domain.StatusCharging}),
	}
}

// decideAndFold runs a decision and folds what it decided, as the service
// does after a successful append.
func decideAndFold(tb testing.TB, c *domain.Charger, seq *uint64, events []domain.Event, err error) []domain.Event {
	tb.Helper()
	if err != nil {
		tb.Fatalf("decide: %v", err)
	}
	for i := range events {
		*seq++
		events[i].Seq = *seq
	}
	c.Fold(events)
	return events
}

func TestReadingSequence(t *testing.T) {
	c := domain.NewCharger(charger)
	x := ctxAt(0)
	var seq uint64
	count := map[string]int{}
	socs := []float64{10, 80, 100, 100, 95, 100}
	for _, soc := range socs {
		evs, err := c.ReportSoC(x, domain.Reading{SoC: soc}, "")
		for _, e := range decideAndFold(t, c, &seq, evs, err) {
			count[e.Type]++
		}
	}
	if got, want := count[domain.TypeSessionOpened], 1; got != want {
		t.Errorf("session.opened: got %d, want %d", got, want)
	}
	if got, want := count[domain.TypeSessionCharged], 1; got != want {
		t.Errorf("session.charged: got %d, want %d", got, want)
	}
	if got, want := count[domain.TypeSoCReported], len(socs); got != want {
		t.Errorf("soc_reported: got %d, want %d", got, want)
	}

	// A re-sent reading id is stored once.
	evs, err := c.ReportSoC(x, domain.Reading{SoC: 100, ReadingID: "r-1"}, "")
	if got, want := len(decideAndFold(t, c, &seq, evs, err)), 1; got != want {
		t.Fatalf("first r-1: got %d events, want %d", got, want)
	}
	if got, want := evs[0].ID, domain.ReadingEventID(charger, "r-1", 100); got != want {
		t.Errorf("reading event id: got %q, want derived %q", got, want)
	}
	evs, err = c.ReportSoC(x, domain.Reading{SoC: 100, ReadingID: "r-1"}, "")
	checkCode(t, err, "")
	checkPayloads(t, evs, nil)
}

func TestStartTransaction(t *testing.T) {
	c := domain.NewCharger(charger)
	x := ctxAt(0)
	var seq uint64
	start := func(msg string) ([]domain.Event, int) {
		t.Helper()
		evs, tx := c.StartTransaction(x, domain.DerivedID(charger, "ocpp-start", msg),
			domain.TransactionStarted{ConnectorID: 1, IDTag: "TAG", Timestamp: t0}, "w1")
		decideAndFold(t, c, &seq, evs, nil)
		return evs, tx
	}

	evs, tx := start("m-1")
	if got, want := tx, 1; got != want {
		t.Fatalf("first transaction id: got %d, want %d", got, want)
	}
	checkPayloads(t, evs, []domain.Payload{
		domain.SessionOpened{By: domain.OpenedByOCPP, WidgetID: "w1"},
		domain.TransactionStarted{TransactionID: 1, ConnectorID: 1, IDTag: "TAG", Timestamp: t0},
	})
	if got, want := evs[1].ID, domain.DerivedID(charger, "ocpp-start", "m-1"); got != want {
		t.Errorf("transaction event id: got %q, want %q", got, want)
	}
	if got, want := c.Session.TransactionID, 1; got != want {
		t.Errorf("session transaction: got %d, want %d", got, want)
	}

	evs, tx = start("m-1")
	if got, want := tx, 1; got != want {
		t.Errorf("replay: transaction id got %d, want %d", got, want)
	}
	checkPayloads(t, evs, nil)

	evs, tx = start("m-2")
	if got, want := tx, 2; got != want {
		t.Errorf("second transaction id: got %d, want %d", got, want)
	}
	// A start while transaction 1 is open closes it: the charger lost it.
	checkPayloads(t, evs, []domain.Payload{
		domain.TransactionStopped{TransactionID: 1, Reason: "Other", Timestamp: t0, Superseded: 2},
		domain.TransactionStarted{TransactionID: 2, ConnectorID: 1, IDTag: "TAG", Timestamp: t0},
	})

	// Ids keep counting across sessions.
	stop := c.RecordOnce(x, domain.DerivedID(charger, "ocpp-stop", "m-3"), domain.TransactionStopped{TransactionID: 2, MeterStop: 5})
	decideAndFold(t, c, &seq, stop, nil)
	if got, want := c.Session.TransactionID, 0; got != want {
		t.Errorf("after stop: session transaction got %d, want %d", got, want)
	}
	decideAndFold(t, c, &seq, c.Record(x, domain.PaymentRecorded{AmountCents: 500, Method: domain.MethodCash}), nil)
	hb, err := c.HandBack(x, domain.DefaultTariff, c.Session.ID, "")
	decideAndFold(t, c, &seq, hb, err)
	evs, tx = start("m-4")
	if got, want := tx, 3; got != want {
		t.Errorf("next session: transaction id got %d, want %d", got, want)
	}
	if got, want := len(evs), 2; got != want {
		t.Errorf("next session: got %d events, want session.opened and the transaction", got)
	}
}

// TestReadingWithDerivedEventID: an edge that derived the event id itself
// (OCPP) has it used as is, and a re-sent message is stored once.
func TestReadingWithDerivedEventID(t *testing.T) {
	c := domain.NewCharger("c1")
	x := ctxAt(0)
	id := domain.DerivedID("c1", "ocpp.MeterValues", "m-7")
	evs, err := c.ReportSoC(x, domain.Reading{SoC: 55, ReadingID: "ocpp:" + id, EventID: id}, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := evs[len(evs)-1].ID; got != id {
		t.Fatalf("event id: got %s, want %s", got, id)
	}
	for i := range evs {
		evs[i].Seq = uint64(i + 1)
	}
	c.Fold(evs)
	again, err := c.ReportSoC(x, domain.Reading{SoC: 55, ReadingID: "ocpp:" + id, EventID: id}, "")
	if err != nil || len(again) != 0 {
		t.Fatalf("re-sent: got %d events, %v; want none", len(again), err)
	}
}
