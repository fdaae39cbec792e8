package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/chargebooth/chargebooth/projections"
)

// TestOnePhoneDay walks one phone through the booth's day over the API.
func TestOnePhoneDay(t *testing.T) {
	e := newEnv(t)
	e.must(http.StatusOK, "PUT", "/api/pairings/c1234", `{"widgetId":"wABCD"}`)

	for _, soc := range []float64{30, 55, 85, 100} {
		e.reading("c1234", soc)
		e.clock.Advance(10 * time.Minute)
	}
	e.caughtUp()

	var c struct {
		ChargerID string   `json:"chargerId"`
		WidgetID  string   `json:"widgetId"`
		Status    string   `json:"status"`
		SoC       *float64 `json:"soc"`
		SessionID string   `json:"sessionId"`
		Session   *session `json:"session"`
	}
	e.must(http.StatusOK, "GET", "/api/chargers/c1234", "").decode(t, &c)
	if c.Status != "charged" || c.SoC == nil || *c.SoC != 100 || c.WidgetID != "wABCD" || c.Session == nil {
		t.Fatalf("charger: got %+v, want charged at 100 with wABCD and a session", c)
	}

	s := e.openSession("c1234")
	if s.ID != c.SessionID {
		t.Errorf("session id: got %s, want the charger's %s", s.ID, c.SessionID)
	}
	if s.AmountDueCents != 500 || s.PaidCents != 0 || s.BalanceCents != 500 || s.Currency != "EUR" || s.ChargedAt == nil {
		t.Fatalf("session before payment: got %+v, want 500 due, nothing paid, charged", s)
	}
	if s.WidgetID != "wABCD" {
		t.Errorf("session widget: got %q, want wABCD", s.WidgetID)
	}

	r := e.must(http.StatusConflict, "POST", "/api/sessions/"+s.ID+"/handback", `{}`)
	if code, _ := r.apiError(t); code != "balance_due" {
		t.Errorf("handback while owed: got code %q, want balance_due", code)
	}

	pay := `{"amountCents":500,"method":"cash","reference":"till 1"}`
	var paid session
	e.must(http.StatusCreated, "POST", "/api/sessions/"+s.ID+"/payments", pay, "Idempotency-Key", "k-1").decode(t, &paid)
	if paid.PaidCents != 500 || paid.BalanceCents != 0 {
		t.Fatalf("after payment: got paid %d balance %d, want 500 and 0", paid.PaidCents, paid.BalanceCents)
	}
	e.must(http.StatusOK, "POST", "/api/sessions/"+s.ID+"/payments", pay, "Idempotency-Key", "k-1").decode(t, &paid)
	if paid.PaidCents != 500 {
		t.Fatalf("after a replayed payment: got paid %d, want 500", paid.PaidCents)
	}
	r = e.must(http.StatusConflict, "POST", "/api/sessions/"+s.ID+"/payments", `{"amountCents":100,"method":"card"}`, "Idempotency-Key", "k-1")
	if code, _ := r.apiError(t); code != "idempotency_key_reused" {
		t.Errorf("key reused for another payment: got code %q, want idempotency_key_reused", code)
	}

	var closed session
	e.must(http.StatusOK, "POST", "/api/sessions/"+s.ID+"/handback", `{}`).decode(t, &closed)
	if closed.State != "closed" || closed.ClosedAt == nil || closed.PaidCents != 500 || closed.BalanceCents != 0 || closed.Waived {
		t.Fatalf("after hand-back: got %+v, want closed, paid 500, balance 0", closed)
	}

	// Read-your-writes: the charger shows no session right away.
	e.must(http.StatusOK, "GET", "/api/chargers/c1234", "").decode(t, &c)
	if c.SessionID != "" || c.Status != "" {
		t.Errorf("charger after hand-back: got session %q status %q, want none", c.SessionID, c.Status)
	}

	var detail session
	e.must(http.StatusOK, "GET", "/api/sessions/"+s.ID, "").decode(t, &detail)
	var types []string
	var last uint64
	for _, ev := range detail.Timeline {
		if ev.SessionID != s.ID || ev.ChargerID != "c1234" {
			t.Errorf("timeline event %s: got session %s charger %s", ev.Type, ev.SessionID, ev.ChargerID)
		}
		if ev.Seq <= last {
			t.Errorf("timeline not oldest first: seq %d after %d", ev.Seq, last)
		}
		last = ev.Seq
		types = append(types, ev.Type)
	}
	want := []string{"session.opened", "charger.soc_reported", "charger.soc_reported", "charger.soc_reported",
		"charger.soc_reported", "session.charged", "session.payment_recorded", "session.handed_back"}
	if !slices.Equal(types, want) {
		t.Fatalf("timeline: got %v, want %v", types, want)
	}
	var p struct {
		AmountCents    int64  `json:"amountCents"`
		Method         string `json:"method"`
		IdempotencyKey string `json:"idempotencyKey"`
	}
	if err := json.Unmarshal(detail.Timeline[6].Data, &p); err != nil || p.AmountCents != 500 || p.Method != "cash" || p.IdempotencyKey != "k-1" {
		t.Errorf("payment event: got %+v (%v), want 500 cash k-1", p, err)
	}

	// A reading after hand-back opens a new session.
	e.reading("c1234", 40)
	e.caughtUp()
	if next := e.openSession("c1234"); next.ID == s.ID {
		t.Errorf("reading after hand-back: got the closed session %s again", next.ID)
	}

	// The same figures come out of a board rebuilt from the stream.
	fresh := projections.NewBoard(e.tariff)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = e.store.Follow(ctx, "httpapi-rebuild", 0, fresh.Apply) }()
	testkit.CheckFor(t, 5*time.Second, func() error {
		if fresh.Applied() < e.board.Applied() {
			return errNotYet
		}
		return nil
	})
	got, _ := fresh.Session(s.ID, e.clock.Now())
	wantS, _ := e.board.Session(s.ID, e.clock.Now())
	if gj, wj := testkit.MustJSON(t, got), testkit.MustJSON(t, wantS); gj != wj {
		t.Errorf("rebuilt session: got %s, want %s", gj, wj)
	}
}
