package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chargebooth/chargebooth/projections"
)

// moneySession is what these tests read of a session.
type moneySession struct {
	ID             string `json:"id"`
	State          string `json:"state"`
	AmountDueCents int64  `json:"amountDueCents"`
	PaidCents      int64  `json:"paidCents"`
	BalanceCents   int64  `json:"balanceCents"`
	VoidedCents    int64  `json:"voidedCents"`
	RefundedCents  int64  `json:"refundedCents"`
	TipCents       int64  `json:"tipCents"`
	Payments       []struct {
		ID string `json:"id"`
	} `json:"payments"`
}

// shiftFigures is what must-show 5 compares across JSON, CSV and the CLI.
type shiftFigures struct {
	ExpectedCash, DifferenceCash, ExpectedCard, DifferenceCard int64
}

func figuresOfJSON(t *testing.T, b []byte) shiftFigures {
	t.Helper()
	var r struct {
		ByMethod []struct {
			Method          string `json:"method"`
			ExpectedCents   int64  `json:"expectedCents"`
			DifferenceCents *int64 `json:"differenceCents"`
		} `json:"byMethod"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("shift report %s: %v", b, err)
	}
	var f shiftFigures
	for _, m := range r.ByMethod {
		if m.DifferenceCents == nil {
			t.Fatalf("method %s not counted: %s", m.Method, b)
		}
		switch m.Method {
		case "cash":
			f.ExpectedCash, f.DifferenceCash = m.ExpectedCents, *m.DifferenceCents
		case "card":
			f.ExpectedCard, f.DifferenceCard = m.ExpectedCents, *m.DifferenceCents
		}
	}
	return f
}

func figuresOfCSV(t *testing.T, b []byte) shiftFigures {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("shift CSV %s: %v", b, err)
	}
	v := map[string]int64{}
	for _, row := range rows[1:] {
		var n int64
		fmt.Sscan(row[6], &n)
		v[row[3]+" "+row[4]] = n
	}
	return shiftFigures{v["cash expected"], v["cash difference"], v["card expected"], v["card difference"]}
}

// TestMoneyCorrectionsAfterKill9 is must-shows 4 and 5 against the real
// binary: a shift with a 100.00 float, cash and card payments, a void, a
// refund after hand-back, a tip, and a counted close; after a SIGKILL and
// a restart, every balance and the reconciliation equal the sum of the
// payment, void and refund events to the cent, and the cash-up's expected
// cash and difference are exact and the same in JSON, CSV and `chargebooth
// report --shift`.
func TestMoneyCorrectionsAfterKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a server process")
	}
	dir := t.TempDir()
	p := startProc(t, dir)
	base := "http://" + p.http
	must := func(want int, method, path, body string, out any) {
		t.Helper()
		if code := apiAt(t, base, method, path, body, out); code != want {
			t.Fatalf("%s %s %s: got %d, want %d", method, path, body, code, want)
		}
	}
	var shift struct {
		ID string `json:"id"`
	}
	must(http.StatusCreated, "POST", "/api/shifts", `{"till":"main","floatCents":10000}`, &shift)
	sessions := map[string]*moneySession{}
	for _, c := range []string{"c1", "c2", "c3"} {
		s := &moneySession{}
		must(http.StatusCreated, "POST", "/api/sessions", `{"chargerId":"`+c+`"}`, s)
		sessions[c] = s
	}
	s1, s2, s3 := sessions["c1"], sessions["c2"], sessions["c3"]
	pay := func(s *moneySession, body string) {
		t.Helper()
		must(http.StatusCreated, "POST", "/api/sessions/"+s.ID+"/payments", body, s)
	}
	// c1: 50.00 typed for 5.00 is refused (not a tip); 5.00 cash voided, then 5.00 by card.
	must(http.StatusConflict, "POST", "/api/sessions/"+s1.ID+"/payments", `{"amountCents":5000,"method":"cash"}`, nil)
	pay(s1, `{"amountCents":500,"method":"cash"}`)
	void := "/api/sessions/" + s1.ID + "/payments/" + s1.Payments[0].ID + "/void"
	must(http.StatusCreated, "POST", void, `{"reason":"paid by card instead"}`, s1)
	must(http.StatusConflict, "POST", void, `{"reason":"twice"}`, nil)
	pay(s1, `{"amountCents":500,"method":"card"}`)
	// c2: 3.00 cash + 2.00 card, handed back, 1.50 refunded in cash.
	pay(s2, `{"amountCents":300,"method":"cash"}`)
	pay(s2, `{"amountCents":200,"method":"card"}`)
	must(http.StatusOK, "POST", "/api/sessions/"+s2.ID+"/handback", claimBodyAt(t, base, s2.ID, ""), nil)
	must(http.StatusConflict, "POST", "/api/sessions/"+s2.ID+"/refunds", `{"amountCents":501,"method":"cash","reason":"too much"}`, nil)
	must(http.StatusCreated, "POST", "/api/sessions/"+s2.ID+"/refunds", `{"amountCents":150,"method":"cash","reason":"charged slowly"}`, s2)
	// c3: 7.00 cash for a 5.00 balance, the rest a tip; c3 stays open.
	pay(s3, `{"amountCents":700,"method":"cash","tip":true}`)
	// Expected cash 100.00 + 3.00 + 5.00 + 2.00 tip − 1.50 = 108.50 (the
	// voided 5.00 excluded); card 5.00 + 2.00 = 7.00. Counted: 108.00 and 7.00.
	must(http.StatusOK, "POST", "/api/shifts/"+shift.ID+"/close", `{"countedCents":{"cash":10800,"card":700}}`, nil)
	want := shiftFigures{ExpectedCash: 10850, DifferenceCash: -50, ExpectedCard: 700, DifferenceCard: 0}

	p.kill9(t)
	p = startProc(t, dir)
	base = "http://" + p.http

	// Balances equal the events, to the cent.
	wantBalance := map[string]int64{"c1": 0, "c2": 150, "c3": 0}
	var netAll, voidAll, refundAll, tipAll, paidAll int64
	for c, s := range sessions {
		var got moneySession
		must(http.StatusOK, "GET", "/api/sessions/"+s.ID, "", &got)
		code, out, errOut := runCmd(t, "replay", "--session", s.ID, "--data-dir", dir, "--json")
		if code != 0 {
			t.Fatalf("replay %s: %d %s", s.ID, code, errOut)
		}
		var paid, voided, refunded, tips int64
		amounts := map[string]int64{}
		sc := bufio.NewScanner(strings.NewReader(out))
		for sc.Scan() {
			var e struct {
				ID   string `json:"id"`
				Type string `json:"type"`
				Data struct {
					AmountCents int64  `json:"amountCents"`
					TipCents    int64  `json:"tipCents"`
					PaymentID   string `json:"paymentId"`
				} `json:"data"`
			}
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Fatalf("replay line %s: %v", sc.Bytes(), err)
			}
			switch e.Type {
			case "session.payment_recorded":
				paid += e.Data.AmountCents
				tips += e.Data.TipCents
				amounts[e.ID] = e.Data.AmountCents
			case "session.payment_voided":
				if amounts[e.Data.PaymentID] != e.Data.AmountCents {
					t.Errorf("void of %s: %d, the payment was %d", e.Data.PaymentID, e.Data.AmountCents, amounts[e.Data.PaymentID])
				}
				voided += e.Data.AmountCents
				tips -= e.Data.TipCents
			case "session.refunded":
				refunded += e.Data.AmountCents
			}
		}
		net := paid - voided - refunded
		if got.PaidCents != net || got.VoidedCents != voided || got.RefundedCents != refunded || got.TipCents != tips {
			t.Errorf("%s after kill -9: paid %d voided %d refunded %d tips %d; the events say %d, %d, %d, %d",
				c, got.PaidCents, got.VoidedCents, got.RefundedCents, got.TipCents, net, voided, refunded, tips)
		}
		if got.BalanceCents != got.AmountDueCents-net || got.BalanceCents != wantBalance[c] {
			t.Errorf("%s balance after kill -9: got %d, want %d = due %d − net %d", c, got.BalanceCents, wantBalance[c], got.AmountDueCents, net)
		}
		netAll, voidAll, refundAll, tipAll, paidAll = netAll+net, voidAll+voided, refundAll+refunded, tipAll+tips, paidAll+paid
	}
	var rec projections.Reconciliation // as GET /api/reports/reconciliation answers it
	must(http.StatusOK, "GET", "/api/reports/reconciliation", "", &rec)
	if rec.TotalCents != paidAll || rec.VoidedCents != voidAll || rec.RefundedCents != refundAll || rec.TipCents != tipAll || rec.NetCents != netAll {
		t.Errorf("reconciliation after kill -9: %+v; the events say paid %d voided %d refunded %d tips %d net %d", rec, paidAll, voidAll, refundAll, tipAll, netAll)
	}
	if netAll != 1350 || len(rec.ByShift) != 1 || rec.ByShift[0].ShiftID != shift.ID || rec.ByShift[0].NetCents != netAll {
		t.Errorf("net %d (want 13.50), by shift %+v", netAll, rec.ByShift)
	}

	// The cash-up: the same exact figures in JSON, CSV and the CLI.
	get := func(path, accept string) []byte {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, res.StatusCode, b.Bytes())
		}
		return b.Bytes()
	}
	report := "/api/shifts/" + shift.ID + "/report"
	if got := figuresOfJSON(t, get(report, "")); got != want {
		t.Errorf("JSON cash-up: got %+v, want %+v", got, want)
	}
	if got := figuresOfCSV(t, get(report, "text/csv")); got != want {
		t.Errorf("CSV cash-up: got %+v, want %+v", got, want)
	}
	if page := string(get(report+"?format=html", "")); !strings.Contains(page, "108.50") || !strings.Contains(page, "-0.50") {
		t.Errorf("printable cash-up lacks the figures:\n%s", page)
	}
	code, out, errOut := runCmd(t, "report", "--shift", shift.ID, "--data-dir", dir)
	if code != 0 {
		t.Fatalf("report --shift: %d %s", code, errOut)
	}
	if got := figuresOfJSON(t, []byte(out)); got != want {
		t.Errorf("chargebooth report --shift: got %+v, want %+v", got, want)
	}
	code, out, errOut = runCmd(t, "report", "--shift", shift.ID, "--data-dir", dir, "--format", "csv")
	if code != 0 {
		t.Fatalf("report --shift --format csv: %d %s", code, errOut)
	}
	if got := figuresOfCSV(t, []byte(out)); got != want {
		t.Errorf("chargebooth report --shift --format csv: got %+v, want %+v", got, want)
	}
	code, out, _ = runCmd(t, "replay", "--charger", "c1", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "VOID payment") || !strings.Contains(out, "paid by card instead") {
		t.Errorf("replay shows no void:\n%s", out)
	}
}
