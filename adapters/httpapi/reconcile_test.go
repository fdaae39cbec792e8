package httpapi_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// TestReconciliation checks that the report over many sessions (paid in
// cash, by card, split, waived, still open) equals the sum of the stored
// payment events, to the cent, in JSON and in CSV.
func TestReconciliation(t *testing.T) {
	e := newEnv(t)
	type pay struct {
		cents  int64
		method string
	}
	cases := []struct {
		charger string
		checkIn bool
		pays    []pay
		waive   string
		close   bool
	}{
		{charger: "c1", pays: []pay{{500, "cash"}}, close: true},
		{charger: "c2", checkIn: true, pays: []pay{{500, "card"}}, close: true},
		{charger: "c3", pays: []pay{{200, "cash"}, {300, "card"}}, close: true},
		{charger: "c4", waive: "lost ticket", close: true},
		{charger: "c5", pays: []pay{{199, "card"}}, waive: "friend of the band", close: true},
		{charger: "c6", pays: []pay{{101, "cash"}}},
		{charger: "c7"},
	}
	for _, c := range cases {
		var s session
		if c.checkIn {
			e.must(http.StatusCreated, "POST", "/api/sessions", fmt.Sprintf(`{"chargerId":%q}`, c.charger)).decode(t, &s)
		} else {
			e.reading(c.charger, 100)
			e.caughtUp()
			s = e.openSession(c.charger)
		}
		for i, p := range c.pays {
			e.clock.Advance(time.Minute)
			body := fmt.Sprintf(`{"amountCents":%d,"method":%q}`, p.cents, p.method)
			e.must(http.StatusCreated, "POST", "/api/sessions/"+s.ID+"/payments", body, "Idempotency-Key", fmt.Sprintf("%s-%d", c.charger, i))
		}
		if c.close {
			e.must(http.StatusOK, "POST", "/api/sessions/"+s.ID+"/handback", fmt.Sprintf(`{"waiveReason":%q}`, c.waive))
		}
	}

	// The truth: the payment events in the store.
	want := map[string]int64{}
	var wantTotal int64
	wantCount := 0
	for _, c := range cases {
		events, err := e.store.Load(context.Background(), domain.ChargerKey(c.charger), 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range events {
			if p, ok := ev.Data.(domain.PaymentRecorded); ok {
				want[p.Method] += p.AmountCents
				wantTotal += p.AmountCents
				wantCount++
			}
		}
	}
	if wantTotal != 1800 {
		t.Fatalf("stored payments: got %d cents, want 1800", wantTotal)
	}

	var rep struct {
		Currency string `json:"currency"`
		ByMethod []struct {
			Method      string `json:"method"`
			Payments    int    `json:"payments"`
			AmountCents int64  `json:"amountCents"`
		} `json:"byMethod"`
		TotalCents     int64 `json:"totalCents"`
		Payments       int   `json:"payments"`
		SessionsOpened int   `json:"sessionsOpened"`
		SessionsPaid   int   `json:"sessionsPaid"`
		SessionsWaived int   `json:"sessionsWaived"`
		WaivedCents    int64 `json:"waivedCents"`
		SessionsOpen   int   `json:"sessionsOpen"`
		OwedCents      int64 `json:"owedCents"`
	}
	e.must(http.StatusOK, "GET", "/api/reports/reconciliation?from=2026-07-04&to=2026-07-04", "").decode(t, &rep)
	got := map[string]int64{}
	var sum int64
	for _, m := range rep.ByMethod {
		got[m.Method] = m.AmountCents
		sum += m.AmountCents
	}
	if got["cash"] != want["cash"] || got["card"] != want["card"] || rep.TotalCents != wantTotal || sum != wantTotal || rep.Payments != wantCount {
		t.Errorf("json report: got cash %d card %d total %d (sum %d, %d payments), want cash %d card %d total %d (%d payments)",
			got["cash"], got["card"], rep.TotalCents, sum, rep.Payments, want["cash"], want["card"], wantTotal, wantCount)
	}
	if rep.SessionsOpened != 7 || rep.SessionsPaid != 3 || rep.SessionsWaived != 2 || rep.WaivedCents != 500+301 ||
		rep.SessionsOpen != 2 || rep.OwedCents != 399+500 || rep.Currency != "EUR" {
		t.Errorf("json report sessions: got %+v, want 7 opened, 3 paid, 2 waived (801), 2 open (899 owed)", rep)
	}

	// The default range (the last 24 hours) covers the same day.
	var def struct {
		TotalCents int64 `json:"totalCents"`
	}
	e.must(http.StatusOK, "GET", "/api/reports/reconciliation", "").decode(t, &def)
	if def.TotalCents != wantTotal {
		t.Errorf("default range total: got %d, want %d", def.TotalCents, wantTotal)
	}
	// A range before the day has nothing.
	var none struct {
		TotalCents int64 `json:"totalCents"`
	}
	e.must(http.StatusOK, "GET", "/api/reports/reconciliation?from=2026-07-01T00:00:00Z&to=2026-07-02T00:00:00Z", "").decode(t, &none)
	if none.TotalCents != 0 {
		t.Errorf("empty range total: got %d, want 0", none.TotalCents)
	}

	r := e.must(http.StatusOK, "GET", "/api/reports/reconciliation?from=2026-07-04&to=2026-07-04", "", "Accept", "text/csv")
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("csv content type: got %q", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, r.body)
	}
	if len(rows) < 2 || strings.Join(rows[0], ",") != "from,to,currency,section,item,count,amount_cents,amount,seconds" {
		t.Fatalf("csv header: got %v", rows[0])
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	byItem := map[string][]string{}
	var methodSum int64
	for _, row := range rows[1:] {
		if len(row) != len(rows[0]) {
			t.Fatalf("csv row %v: got %d fields, want %d", row, len(row), len(rows[0]))
		}
		byItem[row[col["section"]]+"/"+row[col["item"]]] = row
		if row[col["section"]] == "payments" && row[col["item"]] != "total" {
			n, err := strconv.ParseInt(row[col["amount_cents"]], 10, 64)
			if err != nil {
				t.Fatalf("csv amount %v: %v", row, err)
			}
			methodSum += n
		}
	}
	cents := func(key string) string { return byItem[key][col["amount_cents"]] }
	if cents("payments/cash") != strconv.FormatInt(want["cash"], 10) || cents("payments/card") != strconv.FormatInt(want["card"], 10) ||
		cents("payments/total") != strconv.FormatInt(wantTotal, 10) || methodSum != wantTotal {
		t.Errorf("csv payments: got cash %s card %s total %s (rows sum %d), want %d %d %d",
			cents("payments/cash"), cents("payments/card"), cents("payments/total"), methodSum, want["cash"], want["card"], wantTotal)
	}
	if got := byItem["payments/total"][col["amount"]]; got != "18.00" {
		t.Errorf("csv total amount: got %q, want 18.00", got)
	}
	if got := byItem["sessions/waived"][col["count"]]; got != "2" {
		t.Errorf("csv waived count: got %q, want 2", got)
	}
	if got := cents("sessions/open"); got != "899" {
		t.Errorf("csv owed: got %q, want 899", got)
	}
}
