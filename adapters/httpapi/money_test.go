package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

func TestDecodeCorrections(t *testing.T) {
	tests := []struct {
		name string
		dec  func([]byte) (any, error)
		body string
		want any
		code string
	}{
		{"void", moneyVoid, `{"reason":"typed 50 for 5"}`, domain.Void{Reason: "typed 50 for 5"}, ""},
		{"void, unknown field", moneyVoid, `{"reason":"x","paymentId":"p"}`, nil, domain.CodeInvalidInput},
		{"void, reason a number", moneyVoid, `{"reason":5}`, nil, domain.CodeInvalidInput},
		{"void, empty", moneyVoid, ``, nil, domain.CodeMalformedJSON},
		{"refund", moneyRefund, `{"amountCents":150,"method":"cash","reason":"slow","till":"bar"}`, domain.Refund{AmountCents: 150, Method: "cash", Reason: "slow", Till: "bar"}, ""},
		{"refund, no amount", moneyRefund, `{"method":"cash","reason":"r"}`, nil, domain.CodeInvalidAmount},
		{"refund, fractional", moneyRefund, `{"amountCents":1.5,"method":"cash","reason":"r"}`, nil, domain.CodeInvalidAmount},
		{"refund, twice named", moneyRefund, `{"amountCents":1,"amountCents":2,"method":"cash","reason":"r"}`, nil, domain.CodeInvalidInput},
		{"open", moneyOpen, `{"till":"bar","floatCents":10000}`, [2]any{"bar", int64(10000)}, ""},
		{"open, defaults", moneyOpen, `{}`, [2]any{"", int64(0)}, ""},
		{"open, empty body", moneyOpen, ` `, [2]any{"", int64(0)}, ""},
		{"open, not an object", moneyOpen, `[]`, nil, domain.CodeMalformedJSON},
		{"open, float string", moneyOpen, `{"floatCents":"100"}`, nil, domain.CodeInvalidAmount},
		{"open, float exponent", moneyOpen, `{"floatCents":1e4}`, nil, domain.CodeInvalidAmount},
		{"open, float too big for int64", moneyOpen, `{"floatCents":99999999999999999999}`, nil, domain.CodeInvalidAmount},
		{"close, cash", moneyClose, `{"countedCents":12450}`, map[string]int64{"cash": 12450}, ""},
		{"close, by method", moneyClose, `{"countedCents":{"cash":12450,"card":3000},"note":"ok"}`, map[string]int64{"cash": 12450, "card": 3000}, ""},
		{"close, nothing", moneyClose, `{}`, nil, domain.CodeInvalidInput},
		{"close, null", moneyClose, `{"countedCents":null}`, nil, domain.CodeInvalidInput},
		{"close, empty object", moneyClose, `{"countedCents":{}}`, nil, domain.CodeInvalidInput},
		{"close, fractional", moneyClose, `{"countedCents":{"cash":1.5}}`, nil, domain.CodeInvalidAmount},
		{"close, duplicate method", moneyClose, `{"countedCents":{"cash":1,"cash":2}}`, nil, domain.CodeInvalidInput},
		{"close, a string", moneyClose, `{"countedCents":"12450"}`, nil, domain.CodeInvalidAmount},
		{"close, a list", moneyClose, `{"countedCents":[1]}`, nil, domain.CodeInvalidAmount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.dec([]byte(tt.body))
			if c := domain.ErrorCode(err); c != tt.code {
				t.Fatalf("code: got %q (%v), want %q", c, err, tt.code)
			}
			if err == nil && !equalish(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func moneyVoid(b []byte) (any, error)   { return httpapi.DecodeVoid(b) }
func moneyRefund(b []byte) (any, error) { return httpapi.DecodeRefund(b) }
func moneyOpen(b []byte) (any, error) {
	till, f, err := httpapi.DecodeOpenShift(b)
	return [2]any{till, f}, err
}
func moneyClose(b []byte) (any, error) {
	m, _, err := httpapi.DecodeCloseShift(b)
	return m, err
}

func equalish(a, b any) bool {
	am, aok := a.(map[string]int64)
	bm, bok := b.(map[string]int64)
	if aok && bok {
		if len(am) != len(bm) {
			return false
		}
		for k, v := range am {
			if bm[k] != v {
				return false
			}
		}
		return true
	}
	return a == b
}

// FuzzDecodeMoney: no body panics the correction and shift parsers, and
// every refusal is a domain error with a 4xx code.
func FuzzDecodeMoney(f *testing.F) {
	for _, s := range []string{
		`{"reason":"typed 50 for 5"}`,
		`{"amountCents":150,"method":"cash","reason":"slow","till":"bar"}`,
		`{"till":"bar","floatCents":10000}`,
		`{"countedCents":12450}`,
		`{"countedCents":{"cash":12450,"card":3000},"note":"ok"}`,
		`{"countedCents":{"cash":1,"cash":2}}`, `{"countedCents":[1]}`, `{"floatCents":-0}`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, dec := range []func([]byte) (any, error){moneyVoid, moneyRefund, moneyOpen, moneyClose} {
			_, err := dec(body)
			if err == nil {
				continue
			}
			var de *domain.Error
			if !errors.As(err, &de) || de.Message == "" {
				t.Fatalf("body %q: error %v is not a domain error with a message", body, err)
			}
			if s, _, _ := httpapi.ErrorResponse(err); s < 400 || s >= 500 {
				t.Fatalf("body %q: status %d for %v", body, s, err)
			}
		}
	})
}

// shiftJSON is a shift as the API answers it.
type shiftJSON struct {
	ID            string `json:"id"`
	Till          string `json:"till"`
	Open          bool   `json:"open"`
	OpenAtClosing bool   `json:"openAtClosing"`
}

type sessionMoney struct {
	session
	VoidedCents   int64 `json:"voidedCents"`
	RefundedCents int64 `json:"refundedCents"`
	TipCents      int64 `json:"tipCents"`
	Payments      []struct {
		ID     string `json:"id"`
		Voided bool   `json:"voided"`
	} `json:"payments"`
}

func TestMoneyAPI(t *testing.T) {
	closing, _ := domain.ParseClosing("02:00", time.UTC)
	e := newEnv(t, func(c *httpapi.Config) { c.Closing = &closing })
	var sh shiftJSON
	e.must(http.StatusCreated, "POST", "/api/shifts", `{"floatCents":10000}`).decode(t, &sh)
	if sh.Till != "main" || !sh.Open {
		t.Fatalf("shift: got %+v", sh)
	}
	code, msg := e.must(http.StatusConflict, "POST", "/api/shifts", `{"till":"main"}`).apiError(t)
	if code != domain.CodeShiftOpen || !strings.Contains(msg, sh.ID) {
		t.Fatalf("second shift: got %s %q", code, msg)
	}
	e.reading("c1", 50)
	s := e.openSession("c1")
	pay := "/api/sessions/" + s.ID + "/payments"
	if c, _ := e.must(http.StatusConflict, "POST", pay, `{"amountCents":5000,"method":"cash"}`).apiError(t); c != domain.CodeOverpayment {
		t.Fatalf("overpayment: got %s", c)
	}
	var m sessionMoney
	e.must(http.StatusCreated, "POST", pay, `{"amountCents":300,"method":"cash"}`).decode(t, &m)
	pid := m.Payments[0].ID
	voidURL := "/api/sessions/" + s.ID + "/payments/" + pid + "/void"
	e.must(http.StatusCreated, "POST", voidURL, `{"reason":"typed 3.00 for 5.00"}`).decode(t, &m)
	if m.PaidCents != 0 || m.VoidedCents != 300 || m.BalanceCents != 500 || !m.Payments[0].Voided {
		t.Fatalf("after the void: %+v", m)
	}
	if c, _ := e.must(http.StatusConflict, "POST", voidURL, `{"reason":"again"}`).apiError(t); c != domain.CodeAlreadyVoided {
		t.Fatalf("void twice: got %s", c)
	}
	e.must(http.StatusNotFound, "POST", "/api/sessions/"+s.ID+"/payments/01J1Z5Q8W3M4N5P6Q7R8S9NOPE/void", `{"reason":"x"}`)
	e.must(http.StatusBadRequest, "POST", voidURL, `{"reason":""}`)
	e.must(http.StatusCreated, "POST", pay, `{"amountCents":700,"method":"card","tip":true}`).decode(t, &m)
	if m.PaidCents != 500 || m.TipCents != 200 || m.BalanceCents != 0 {
		t.Fatalf("after the tip: %+v", m)
	}
	e.must(http.StatusOK, "POST", "/api/sessions/"+s.ID+"/handback", ``)
	if c, _ := e.must(http.StatusConflict, "POST", voidURL, `{"reason":"late"}`).apiError(t); c != domain.CodeSessionClosed {
		t.Fatalf("void after hand-back: got %s", c)
	}
	ref := "/api/sessions/" + s.ID + "/refunds"
	if c, _ := e.must(http.StatusConflict, "POST", ref, `{"amountCents":501,"method":"card","reason":"r"}`).apiError(t); c != domain.CodeRefundTooLarge {
		t.Fatalf("refund over paid: got %s", c)
	}
	e.must(http.StatusCreated, "POST", ref, `{"amountCents":200,"method":"card","reason":"slow charge"}`).decode(t, &m)
	if m.PaidCents != 300 || m.RefundedCents != 200 || m.BalanceCents != 200 {
		t.Fatalf("after the refund: %+v", m)
	}
	// Two tills: a payment must say which.
	e.must(http.StatusCreated, "POST", "/api/shifts", `{"till":"bar"}`)
	e.reading("c2", 50)
	s2 := e.openSession("c2")
	if c, _ := e.must(http.StatusConflict, "POST", "/api/sessions/"+s2.ID+"/payments", `{"amountCents":100,"method":"cash"}`).apiError(t); c != domain.CodeTillRequired {
		t.Fatalf("payment with two tills open: got %s", c)
	}
	if c, _ := e.must(http.StatusConflict, "POST", "/api/sessions/"+s2.ID+"/payments", `{"amountCents":100,"method":"cash","till":"door"}`).apiError(t); c != domain.CodeNoOpenShift {
		t.Fatalf("payment on a till with no shift: got %s", c)
	}
	e.must(http.StatusCreated, "POST", "/api/sessions/"+s2.ID+"/payments", `{"amountCents":100,"method":"cash","till":"bar"}`)

	// Close main: cash expected 100.00 (the 3.00 was voided), card 7.00 − 2.00.
	var rep struct {
		ExpectedCashCents   int64  `json:"expectedCashCents"`
		DifferenceCashCents *int64 `json:"differenceCashCents"`
	}
	e.must(http.StatusOK, "POST", "/api/shifts/"+sh.ID+"/close", `{"countedCents":{"cash":9950,"card":500}}`).decode(t, &rep)
	if rep.ExpectedCashCents != 10000 || rep.DifferenceCashCents == nil || *rep.DifferenceCashCents != -50 {
		t.Fatalf("close: got %+v", rep)
	}
	if c, _ := e.must(http.StatusConflict, "POST", "/api/shifts/"+sh.ID+"/close", `{"countedCents":1}`).apiError(t); c != domain.CodeShiftClosed {
		t.Fatalf("close twice: got %s", c)
	}
	r := e.must(http.StatusOK, "GET", "/api/shifts/"+sh.ID+"/report?format=csv", "")
	rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	csvGot := map[string]string{}
	for _, row := range rows[1:] {
		csvGot[row[3]+" "+row[4]] = row[6]
	}
	if csvGot["cash expected"] != "10000" || csvGot["cash difference"] != "-50" || csvGot["card expected"] != "500" || csvGot["card difference"] != "0" {
		t.Fatalf("CSV figures: %v", csvGot)
	}
	r = e.must(http.StatusOK, "GET", "/api/shifts/"+sh.ID+"/report", "", "Accept", "text/html")
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(string(r.body), "-0.50") {
		t.Fatalf("HTML page: %s\n%s", ct, r.body)
	}
	e.must(http.StatusUnauthorized, "GET", "/api/shifts/"+sh.ID+"/report?format=html", "", "Authorization", "-")
	e.must(http.StatusBadRequest, "GET", "/api/shifts/"+sh.ID+"/report?format=pdf", "")
	e.must(http.StatusNotFound, "GET", "/api/shifts/01J1Z5Q8W3M4N5P6Q7R8S9NOPE/report", "")
	e.must(http.StatusBadRequest, "GET", "/api/shifts/bad!id/report", "")

	// The bar shift opened at 20:00 is still moneyOpen at 02:00 the next day.
	e.clock.Advance(7 * time.Hour)
	var list struct {
		Shifts []shiftJSON `json:"shifts"`
	}
	e.must(http.StatusOK, "GET", "/api/shifts?state=open", "").decode(t, &list)
	if len(list.Shifts) != 1 || list.Shifts[0].Till != "bar" || !list.Shifts[0].OpenAtClosing {
		t.Fatalf("open shifts after closing: %+v", list.Shifts)
	}
	e.must(http.StatusBadRequest, "GET", "/api/shifts?state=maybe", "")
	e.must(http.StatusBadRequest, "GET", "/api/sessions?status=lost", "")

	// The reconciliation shows the corrections.
	var rec projections.Reconciliation // as GET /api/reports/reconciliation answers it
	e.must(http.StatusOK, "GET", "/api/reports/reconciliation", "").decode(t, &rec)
	if rec.TotalCents != 900 || rec.VoidedCents != 300 || rec.RefundedCents != 200 || rec.TipCents != 200 || rec.NetCents != 400 || len(rec.ByShift) != 2 {
		t.Fatalf("reconciliation: %+v", rec)
	}
}

func TestMoneyRoutesRoles(t *testing.T) {
	e := newEnv(t)
	want := map[string]httpapi.Role{
		"POST /api/sessions/{id}/payments/{paymentId}/void": httpapi.RoleLead,
		"POST /api/sessions/{id}/refunds":                   httpapi.RoleLead,
		"POST /api/shifts/{id}/close":                       httpapi.RoleLead,
		"POST /api/shifts":                                  httpapi.RoleStaff,
		"GET /api/shifts":                                   httpapi.RoleStaff,
		"GET /api/shifts/{id}/report":                       httpapi.RoleStaff,
	}
	got := map[string]httpapi.Role{}
	for _, r := range e.api.Routes() {
		got[r.Pattern] = r.Role
	}
	for p, role := range want {
		if got[p] != role {
			t.Errorf("%s: got role %q, want %q", p, got[p], role)
		}
	}
}

func TestWantsHTML(t *testing.T) {
	tests := []struct {
		query, accept string
		want          bool
	}{
		{"", "", false},
		{"?format=html", "", true},
		{"?format=csv", "text/html", false},
		{"", "text/html,application/xhtml+xml;q=0.9", true},
		{"", "application/json, text/html", false},
		{"", "text/csv", false},
		{"", " text/html ; q=1", true},
		{"", "*/*", false},
	}
	for _, tt := range tests {
		t.Run(tt.query+" "+tt.accept, func(t *testing.T) {
			r, _ := http.NewRequest("GET", "http://x/api/shifts/S/report"+tt.query, nil)
			r.Header.Set("Accept", tt.accept)
			if got := httpapi.WantsHTML(r); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}
