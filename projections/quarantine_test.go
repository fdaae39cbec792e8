package projections_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

// Stored events that decode but break the domain's rules, as a forger on
// the NATS port would write them.
const (
	forgedPayment = `{"id":"f1","type":"session.payment_recorded","chargerId":"c1","sessionId":"s1","time":"2026-07-04T18:30:00Z","v":1,"data":{"amountCents":-100000,"method":"cash"}}`
	forgedPairing = `{"id":"f2","type":"pairing.set","chargerId":"c2","widgetId":"w 2","time":"2026-07-04T18:31:00Z","v":1,"data":{"chargerId":"c2","widgetId":"w 2"}}`
	forgedReading = `{"id":"f3","type":"charger.soc_reported","chargerId":"c1","sessionId":"s1","time":"2026-07-04T18:32:00Z","v":1,"data":{"soc":150,"status":"charged"}}`
)

// TestQuarantinedEventsAreNeverFolded: an invalid event is skipped by
// every model, counted apart from the unreadable ones, kept in the
// checkpoint, and changes neither the session, the pairings nor the
// reconciliation.
func TestQuarantinedEventsAreNeverFolded(t *testing.T) {
	s := &stream{}
	s.add("c1", "", domain.PairingSet{ChargerID: "c1", WidgetID: "w1"})
	s.add("c1", "s1", domain.SessionOpened{By: domain.OpenedByReading})
	s.add("c1", "s1", domain.SoCReported{SoC: 50, Status: domain.StatusCharging})
	s.add("c1", "s1", domain.PaymentRecorded{AmountCents: 300, Method: domain.MethodCard})
	b := fold(t, domain.DefaultTariff, s.events)
	now := t0.Add(2 * time.Hour)
	report := func(b *projections.Board) string {
		j, _ := json.Marshal(b.Reconcile(t0.Add(-time.Hour), now, now))
		return string(j)
	}
	wantReport := report(b)
	var heard []projections.Update
	b.Listen(func(u projections.Update) { heard = append(heard, u) })
	for _, stored := range []string{forgedPayment, forgedPairing, forgedReading} {
		s.seq++
		if err := b.Apply(opaque(t, s.seq, stored)); err != nil {
			t.Fatal(err)
		}
	}
	check := func(t *testing.T, b *projections.Board) {
		t.Helper()
		if got := b.Applied(); got != s.seq {
			t.Errorf("applied: got %d, want %d", got, s.seq)
		}
		want := map[string]uint64{domain.TypePaymentRecorded: 1, domain.TypePairingSet: 1, domain.TypeSoCReported: 1}
		q := b.Quarantined()
		if len(q) != len(want) {
			t.Errorf("quarantined: got %v, want %v", q, want)
		}
		for typ, n := range want {
			if q[typ] != n {
				t.Errorf("quarantined %s: got %d, want %d", typ, q[typ], n)
			}
		}
		if u := b.Unknown(); len(u) != 0 {
			t.Errorf("unknown: got %v, want none (quarantined events are counted apart)", u)
		}
		sess, _ := b.Session("s1", now)
		if sess.PaidCents != 300 || sess.SoC == nil || *sess.SoC != 50 {
			t.Errorf("session changed by a quarantined event: %+v", sess)
		}
		if p := b.Pairings(); len(p) != 1 || p[0].ChargerID != "c1" {
			t.Errorf("pairings changed by a quarantined event: %+v", p)
		}
		if got := report(b); got != wantReport {
			t.Errorf("reconciliation changed:\n got %s\nwant %s", got, wantReport)
		}
	}
	check(t, b)
	if len(heard) != 3 {
		t.Fatalf("listeners heard %d updates, want 3", len(heard))
	}
	for i, u := range heard {
		if !u.Unknown {
			t.Errorf("update %d: got %+v, want Unknown", i, u)
		}
	}
	restoredThenReset(t, b, check, "quarantined", (*projections.Board).Quarantined)
	t.Run("diff sees a difference in quarantined counts", func(t *testing.T) {
		other := fold(t, domain.DefaultTariff, s.events)
		if err := other.Apply(opaque(t, s.seq, forgedPayment)); err != nil {
			t.Fatal(err)
		}
		if d := projections.Diff(b, other); len(d) == 0 {
			t.Error("boards with other quarantined counts compare equal")
		}
	})
}
