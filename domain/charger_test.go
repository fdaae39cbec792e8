package domain_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// TestChargerApply folds given events and checks the aggregate's state.
func TestChargerApply(t *testing.T) {
	paid := func(session string, cents int64) domain.Event {
		return at(time.Minute, session, domain.PaymentRecorded{AmountCents: cents, Method: domain.MethodCash})
	}
	tests := []struct {
		name  string
		given []domain.Event
		then  func(*testing.T, *domain.Charger)
	}{
		{
			name: "empty",
			then: func(t *testing.T, c *domain.Charger) {
				if c.Session != nil || c.HasSoC || c.Online || c.Version != 0 || c.Status != domain.StatusNone {
					t.Fatalf("new charger not empty: %+v", c)
				}
				if got, want := c.ID, charger; got != want {
					t.Fatalf("id: got %q, want %q", got, want)
				}
			},
		},
		{
			name:  "session opened and read",
			given: opened(),
			then: func(t *testing.T, c *domain.Charger) {
				if c.Session == nil {
					t.Fatal("no open session")
				}
				if got, want := c.Session.ID, sess1; got != want {
					t.Errorf("session: got %q, want %q", got, want)
				}
				if got, want := c.Session.WidgetID, "w1"; got != want {
					t.Errorf("widget: got %q, want %q", got, want)
				}
				if got, want := c.Session.OpenedAt, t0; !got.Equal(want) {
					t.Errorf("openedAt: got %v, want %v", got, want)
				}
				if got, want := c.SoC, 50.0; !c.HasSoC || got != want {
					t.Errorf("soc: got %v (has %v), want %v", got, c.HasSoC, want)
				}
				if got, want := c.Status, domain.StatusCharging; got != want {
					t.Errorf("status: got %q, want %q", got, want)
				}
				if got, want := c.Version, uint64(2); got != want {
					t.Errorf("version: got %d, want %d", got, want)
				}
			},
		},
		{
			name: "charged",
			given: given(opened(), one(at(time.Hour, sess1, domain.SoCReported{SoC: 100, Status: domain.StatusCharged})),
				one(at(time.Hour, sess1, domain.SessionCharged{}))),
			then: func(t *testing.T, c *domain.Charger) {
				if got, want := c.Session.ChargedAt, t0.Add(time.Hour); !got.Equal(want) {
					t.Errorf("chargedAt: got %v, want %v", got, want)
				}
				if got, want := c.Status, domain.StatusCharged; got != want {
					t.Errorf("status: got %q, want %q", got, want)
				}
			},
		},
		{
			name:  "payments add up; another session's are ignored",
			given: given(opened(), one(paid(sess1, 200)), one(paid(sess1, 100)), one(paid(sess2, 50))),
			then: func(t *testing.T, c *domain.Charger) {
				if got, want := c.Session.PaidCents, int64(300); got != want {
					t.Errorf("paid: got %d, want %d", got, want)
				}
				if got, want := c.Session.Balance(domain.DefaultTariff, t0.Add(time.Hour)), int64(200); got != want {
					t.Errorf("balance: got %d, want %d", got, want)
				}
			},
		},
		{
			name:  "hand-back of another session is ignored",
			given: given(opened(), one(at(time.Minute, sess2, domain.HandedBack{}))),
			then: func(t *testing.T, c *domain.Charger) {
				if c.Session == nil || c.Session.ID != sess1 {
					t.Fatalf("session: got %+v, want %s still open", c.Session, sess1)
				}
			},
		},
		{
			name:  "hand-back closes and clears the status",
			given: given(opened(), one(paid(sess1, 500)), one(at(time.Minute, sess1, domain.HandedBack{AmountDueCents: 500, PaidCents: 500}))),
			then: func(t *testing.T, c *domain.Charger) {
				if c.Session != nil {
					t.Fatalf("session still open: %+v", c.Session)
				}
				if c.HasSoC || c.Status != domain.StatusNone {
					t.Errorf("status after hand-back: got %q (has soc %v), want none", c.Status, c.HasSoC)
				}
			},
		},
		{
			name:  "a new session starts without a status",
			given: given(opened(), one(at(time.Minute, sess1, domain.HandedBack{Waived: true, WaiveReason: "x"})), one(at(time.Hour, sess2, domain.SessionOpened{By: domain.OpenedByStaff}))),
			then: func(t *testing.T, c *domain.Charger) {
				if c.Session == nil || c.Session.ID != sess2 {
					t.Fatalf("session: got %+v, want %s", c.Session, sess2)
				}
				if c.HasSoC || c.Status != domain.StatusNone {
					t.Errorf("status: got %q (has soc %v), want none", c.Status, c.HasSoC)
				}
			},
		},
		{
			name: "presence follows the newest connection",
			given: given(one(at(0, "", domain.ChargerConnected{Instance: "i1", Conn: "k1", Protocol: "json"})),
				one(at(0, "", domain.ChargerConnected{Instance: "i1", Conn: "k2", Protocol: "ocpp1.6"})),
				one(at(0, "", domain.ChargerDisconnected{Instance: "i1", Conn: "k1", Reason: "replaced"}))),
			then: func(t *testing.T, c *domain.Charger) {
				if !c.Online || c.Conn != "k2" || c.Protocol != "ocpp1.6" {
					t.Fatalf("presence: got online=%v conn=%q protocol=%q, want k2 online over ocpp1.6", c.Online, c.Conn, c.Protocol)
				}
			},
		},
		{
			name: "disconnect of the current connection",
			given: given(one(at(0, "", domain.ChargerConnected{Instance: "i1", Conn: "k1", Protocol: "json"})),
				one(at(0, "", domain.ChargerDisconnected{Instance: "i1", Conn: "k1", Reason: "closed"}))),
			then: func(t *testing.T, c *domain.Charger) {
				if c.Online || c.Conn != "" {
					t.Fatalf("presence: got online=%v conn=%q, want offline", c.Online, c.Conn)
				}
			},
		},
		{
			name:  "derived ids are remembered",
			given: given(opened(), one(with(domain.DerivedID(charger, domain.KindReading, "r-1"), at(0, sess1, domain.SoCReported{SoC: 60, ReadingID: "r-1"})))),
			then: func(t *testing.T, c *domain.Charger) {
				if _, ok := c.Seen(domain.DerivedID(charger, domain.KindReading, "r-1")); !ok {
					t.Errorf("reading r-1 not remembered")
				}
				if _, ok := c.Seen(domain.DerivedID(charger, domain.KindReading, "r-2")); ok {
					t.Errorf("reading r-2 remembered, never seen")
				}
			},
		},
		{
			name: "transaction ids",
			given: given(opened(),
				one(with("T1", at(0, sess1, domain.TransactionStarted{TransactionID: 7}))),
				one(with("T2", at(0, sess1, domain.TransactionStopped{TransactionID: 7})))),
			then: func(t *testing.T, c *domain.Charger) {
				if got, want := c.LastTxID, 7; got != want {
					t.Errorf("last tx: got %d, want %d", got, want)
				}
				if got, want := c.Session.TransactionID, 0; got != want {
					t.Errorf("session tx after stop: got %d, want %d", got, want)
				}
				if tx, ok := c.Seen("T1"); !ok || tx != 7 {
					t.Errorf("Seen(T1): got %d %v, want 7 true", tx, ok)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := domain.NewCharger(charger)
			c.Fold(history(tt.given))
			tt.then(t, c)
		})
	}
}

func TestChargerVersionNeverGoesBack(t *testing.T) {
	c := domain.NewCharger(charger)
	e := at(0, sess1, domain.SessionOpened{By: domain.OpenedByStaff})
	e.Seq = 9
	c.Apply(e)
	r := at(0, sess1, domain.SoCReported{SoC: 5})
	r.Seq = 0 // not yet stored
	c.Apply(r)
	if got, want := c.Version, uint64(9); got != want {
		t.Fatalf("version: got %d, want %d", got, want)
	}
}

func TestRecentIDsStayBounded(t *testing.T) {
	// A charger that re-sends readings for a whole festival must not make
	// its aggregate grow forever; the newest ids are remembered.
	c := domain.NewCharger(charger)
	c.Fold(history(opened()))
	const n = 5000
	for i := 0; i < n; i++ {
		id := domain.DerivedID(charger, "r", strconv.Itoa(i))
		e := with(id, at(0, sess1, domain.SoCReported{SoC: 50, ReadingID: "x"}))
		e.Seq = uint64(10 + i)
		c.Apply(e)
	}
	last := domain.DerivedID(charger, "r", strconv.Itoa(n-1))
	if _, ok := c.Seen(last); !ok {
		t.Fatalf("newest reading id forgotten")
	}
	first := domain.DerivedID(charger, "r", "0")
	if _, ok := c.Seen(first); ok {
		t.Fatalf("oldest of %d reading ids still remembered: the memory is unbounded", n)
	}
}
