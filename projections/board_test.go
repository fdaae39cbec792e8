package projections_test

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

var t0 = time.Date(2026, 7, 4, 18, 0, 0, 0, time.UTC)

// stream builds events with increasing sequences and times.
type stream struct {
	seq    uint64
	events []domain.Event
}

func (s *stream) add(charger, session string, p domain.Payload) domain.Event {
	s.seq++
	e := domain.NewEvent("e"+string(rune('A'+s.seq%26))+time.Duration(s.seq).String(), t0.Add(time.Duration(s.seq)*time.Minute), charger, session, p)
	e.Seq = s.seq
	if set, ok := p.(domain.PairingSet); ok {
		e.WidgetID = set.WidgetID
	}
	s.events = append(s.events, e)
	return e
}

func fold(tb testing.TB, t domain.Tariff, events []domain.Event) *projections.Board {
	tb.Helper()
	b := projections.NewBoard(t)
	for _, e := range events {
		if err := b.Apply(e); err != nil {
			tb.Fatal(err)
		}
	}
	return b
}

func TestBoardFoldsAPhonesDay(t *testing.T) {
	s := &stream{}
	s.add("c1", "", domain.PairingSet{ChargerID: "c1", WidgetID: "w1"})
	s.add("c1", "", domain.ChargerConnected{Conn: "k1", Protocol: "json"})
	s.add("c1", "s1", domain.SessionOpened{By: domain.OpenedByReading, WidgetID: "w1"})
	s.add("c1", "s1", domain.SoCReported{SoC: 85, Status: domain.StatusCharging80})
	s.add("c1", "s1", domain.SoCReported{SoC: 100, Status: domain.StatusCharged})
	s.add("c1", "s1", domain.SessionCharged{})
	s.add("c1", "s1", domain.PaymentRecorded{AmountCents: 300, Method: "cash"})
	s.add("c1", "s1", domain.PaymentRecorded{AmountCents: 200, Method: "card"})

	b := fold(t, domain.DefaultTariff, s.events)
	now := t0.Add(time.Hour)
	ch, ok := b.Charger("c1", now)
	if !ok || !ch.Online || ch.Status != domain.StatusCharged || ch.SoC == nil || *ch.SoC != 100 || ch.SessionID != "s1" || ch.WidgetID != "w1" {
		t.Fatalf("charger: got %+v", ch)
	}
	sess, _ := b.Session("s1", now)
	if sess.State != projections.StateOpen || sess.PaidCents != 500 || sess.AmountDueCents != 500 || sess.BalanceCents != 0 || sess.Readings != 2 || sess.ChargedAt == nil {
		t.Fatalf("session: got %+v", sess)
	}

	s.add("c1", "s1", domain.HandedBack{AmountDueCents: 500, PaidCents: 500})
	b = fold(t, domain.DefaultTariff, s.events)
	ch, _ = b.Charger("c1", now)
	if ch.SessionID != "" || ch.Status != domain.StatusNone || ch.SoC != nil {
		t.Errorf("after hand-back the charger still shows %+v", ch)
	}
	sess, _ = b.Session("s1", now)
	if sess.State != projections.StateClosed || sess.ClosedAt == nil {
		t.Errorf("after hand-back: got %+v", sess)
	}
}

func TestBoardPresenceFollowsTheNewestConnection(t *testing.T) {
	s := &stream{}
	s.add("c1", "", domain.ChargerConnected{Conn: "old"})
	s.add("c1", "", domain.ChargerConnected{Conn: "new"})
	s.add("c1", "", domain.ChargerDisconnected{Conn: "old", Reason: "replaced"})
	b := fold(t, domain.DefaultTariff, s.events)
	if ch, _ := b.Charger("c1", t0); !ch.Online {
		t.Errorf("a stale disconnect marked the charger offline")
	}
	s.add("c1", "", domain.ChargerDisconnected{Conn: "new", Reason: "closed"})
	b = fold(t, domain.DefaultTariff, s.events)
	if ch, _ := b.Charger("c1", t0); ch.Online {
		t.Errorf("charger still online after its connection closed")
	}
}

func TestBoardListenersHearStatusesAndPairings(t *testing.T) {
	s := &stream{}
	b := projections.NewBoard(domain.DefaultTariff)
	var got []projections.Update
	b.Listen(func(u projections.Update) { got = append(got, u) })
	apply := func(e domain.Event) {
		t.Helper()
		if err := b.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	apply(s.add("c1", "", domain.PairingSet{ChargerID: "c1", WidgetID: "w1"}))
	apply(s.add("c1", "s1", domain.SessionOpened{By: "reading"}))
	apply(s.add("c1", "s1", domain.SoCReported{SoC: 50, Status: domain.StatusCharging}))
	apply(s.add("c1", "", domain.PairingSet{ChargerID: "c1", WidgetID: "w2"}))
	redelivered := s.events[2]
	apply(redelivered) // at or below the applied sequence: ignored
	want := []struct {
		send   bool
		widget string
		status domain.Status
	}{
		{false, "w1", ""},                   // paired, no session yet
		{false, "w1", ""},                   // session opened
		{true, "w1", domain.StatusCharging}, // a reading
		{true, "w2", domain.StatusCharging}, // paired while a session is open
	}
	if len(got) != len(want) {
		t.Fatalf("got %d updates, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].SendStatus != w.send || got[i].WidgetID != w.widget || got[i].Status != w.status {
			t.Errorf("update %d: got send=%v widget=%q status=%q, want %+v", i, got[i].SendStatus, got[i].WidgetID, got[i].Status, w)
		}
	}
	if ch, _ := b.Charger("c1", t0); ch.WidgetID != "w2" {
		t.Errorf("charger widget: got %q, want w2", ch.WidgetID)
	}
}

func TestReconcileEqualsThePayments(t *testing.T) {
	s := &stream{}
	s.add("c1", "s1", domain.SessionOpened{By: "reading"})
	s.add("c1", "s1", domain.SoCReported{SoC: 100, Status: domain.StatusCharged})
	s.add("c1", "s1", domain.SessionCharged{})
	s.add("c1", "s1", domain.PaymentRecorded{AmountCents: 500, Method: "cash"})
	s.add("c1", "s1", domain.HandedBack{AmountDueCents: 500, PaidCents: 500})
	s.add("c2", "s2", domain.SessionOpened{By: "staff"})
	s.add("c2", "s2", domain.PaymentRecorded{AmountCents: 199, Method: "card"})
	s.add("c2", "s2", domain.HandedBack{AmountDueCents: 500, PaidCents: 199, Waived: true, WaiveReason: "x"})
	s.add("c3", "s3", domain.SessionOpened{By: "reading"})
	s.add("c3", "s3", domain.PaymentRecorded{AmountCents: 100, Method: "card"})
	b := fold(t, domain.DefaultTariff, s.events)
	r := b.Reconcile(t0, t0.Add(24*time.Hour), t0.Add(2*time.Hour))
	if r.TotalCents != 799 || r.Payments != 3 || r.SessionsOpened != 3 || r.SessionsPaid != 1 ||
		r.SessionsWaived != 1 || r.WaivedCents != 301 || r.SessionsOpen != 1 || r.OwedCents != 400 {
		t.Errorf("got %+v", r)
	}
	if r.AvgSecondsToCharged != 120 { // opened at minute 1, charged at minute 3
		t.Errorf("avg seconds to charged: got %g, want 120", r.AvgSecondsToCharged)
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.CSV()))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, row := range rows {
		if row[3] == "payments" && row[4] == "total" {
			found = row[6] == "799" && row[7] == "7.99"
		}
	}
	if !found {
		t.Errorf("CSV has no payments total of 799:\n%s", r.CSV())
	}
}

func TestCheckpointRoundTripAndDiff(t *testing.T) {
	s := &stream{}
	s.add("c1", "s1", domain.SessionOpened{By: "reading"})
	s.add("c1", "s1", domain.SoCReported{SoC: 42, Status: domain.StatusCharging})
	s.add("c1", "s1", domain.PaymentRecorded{AmountCents: 100, Method: "cash"})
	b := fold(t, domain.DefaultTariff, s.events)
	data, seq, err := b.Snapshot()
	if err != nil || seq != 3 {
		t.Fatalf("snapshot: %v at %d", err, seq)
	}
	r := projections.NewBoard(domain.DefaultTariff)
	if _, err := r.Restore(data); err != nil {
		t.Fatal(err)
	}
	if d := projections.Diff(b, r); len(d) != 0 {
		t.Errorf("restored checkpoint differs: %v", d)
	}
	planted := strings.Replace(string(data), `"paidCents":100`, `"paidCents":90`, 1)
	if _, err := r.Restore([]byte(planted)); err != nil {
		t.Fatal(err)
	}
	if d := projections.Diff(b, r); len(d) != 1 || !strings.Contains(d[0], "session s1") {
		t.Errorf("planted difference: got %v", d)
	}
	for _, bad := range []string{`{"schema":999,"state":{}}`, `not json`, `{"schema":1}`} {
		if _, err := r.Restore([]byte(bad)); err == nil {
			t.Errorf("restore %s: accepted", bad)
		}
	}
}

func TestOpenSessionsArePricedNow(t *testing.T) {
	s := &stream{}
	s.add("c1", "s1", domain.SessionOpened{By: "reading"})
	tariff := domain.Tariff{FlatCents: 200, HourlyCents: 100, CapCents: 450, Currency: "EUR"}
	b := fold(t, tariff, s.events)
	opened := s.events[0].Time
	for _, tt := range []struct {
		after time.Duration
		want  int64
	}{{0, 200}, {time.Minute, 300}, {61 * time.Minute, 400}, {10 * time.Hour, 450}} {
		sess, _ := b.Session("s1", opened.Add(tt.after))
		if sess.AmountDueCents != tt.want || sess.Currency != "EUR" {
			t.Errorf("after %s: due %d %s, want %d EUR", tt.after, sess.AmountDueCents, sess.Currency, tt.want)
		}
	}
}
