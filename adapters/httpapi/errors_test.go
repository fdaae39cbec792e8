package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestBadRequests sends bad requests and checks each gets the right 4xx
// with a JSON error body.
func TestBadRequests(t *testing.T) {
	e := newEnv(t)
	e.must(http.StatusOK, "PUT", "/api/pairings/c1234", `{"widgetId":"wABCD"}`)
	e.reading("c1234", 50)
	e.caughtUp()
	open := e.openSession("c1234").ID
	e.must(http.StatusCreated, "POST", "/api/sessions", `{"chargerId":"c77"}`)
	e.reading("c88", 100)
	e.caughtUp()
	closed := e.openSession("c88").ID
	e.must(http.StatusOK, "POST", "/api/sessions/"+closed+"/handback", `{"waiveReason":"test"}`)

	pay := "/api/sessions/" + open + "/payments"
	big := `{"waiveReason":"` + strings.Repeat("x", 70<<10) + `"}`
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		hdr    []string
		status int
		code   string
	}{
		{"no token", "GET", "/api/chargers", "", []string{"Authorization", "-"}, 401, "unauthorized"},
		{"wrong token", "GET", "/api/chargers", "", []string{"Authorization", "Bearer nope"}, 401, "unauthorized"},
		{"not bearer", "GET", "/api/sessions", "", []string{"Authorization", "Basic " + testToken}, 401, "unauthorized"},
		{"query token outside live", "GET", "/api/chargers?token=" + testToken, "", []string{"Authorization", "-"}, 401, "unauthorized"},
		{"malformed json", "POST", pay, `{"amountCents":`, nil, 400, "malformed_json"},
		{"not an object", "POST", pay, `[500,"cash"]`, nil, 400, "malformed_json"},
		{"two values", "POST", pay, `{"amountCents":100,"method":"cash"}{}`, nil, 400, "malformed_json"},
		{"unknown field", "POST", pay, `{"amountCents":100,"method":"cash","tip":5}`, nil, 400, "invalid_input"},
		{"negative amount", "POST", pay, `{"amountCents":-100,"method":"cash"}`, nil, 400, "invalid_amount"},
		{"zero amount", "POST", pay, `{"amountCents":0,"method":"cash"}`, nil, 400, "invalid_amount"},
		{"fractional amount", "POST", pay, `{"amountCents":99.5,"method":"cash"}`, nil, 400, "invalid_amount"},
		{"exponent amount", "POST", pay, `{"amountCents":1e2,"method":"cash"}`, nil, 400, "invalid_amount"},
		{"string amount", "POST", pay, `{"amountCents":"100","method":"cash"}`, nil, 400, "invalid_amount"},
		{"missing amount", "POST", pay, `{"method":"cash"}`, nil, 400, "invalid_amount"},
		{"amount over balance", "POST", pay, `{"amountCents":501,"method":"cash"}`, nil, 409, "overpayment"},
		{"unknown method", "POST", pay, `{"amountCents":100,"method":"bitcoin"}`, nil, 400, "invalid_method"},
		{"method wrong type", "POST", pay, `{"amountCents":100,"method":1}`, nil, 400, "invalid_input"},
		{"idempotency key too long", "POST", pay, `{"amountCents":100,"method":"cash"}`, []string{"Idempotency-Key", strings.Repeat("k", 201)}, 400, "invalid_input"},
		{"wrong content type", "POST", pay, `{"amountCents":100,"method":"cash"}`, []string{"Content-Type", "text/plain"}, 415, "unsupported_media_type"},
		{"unknown session", "POST", "/api/sessions/01ARZ3NDEKTSV4RRFFQ69G5FAV/payments", `{"amountCents":100,"method":"cash"}`, nil, 404, "not_found"},
		{"unknown session get", "GET", "/api/sessions/01ARZ3NDEKTSV4RRFFQ69G5FAV", "", nil, 404, "not_found"},
		{"invalid session id", "GET", "/api/sessions/not-a-ulid!", "", nil, 400, "invalid_id"},
		{"payment on closed session", "POST", "/api/sessions/" + closed + "/payments", `{"amountCents":100,"method":"cash"}`, nil, 409, "session_closed"},
		{"invalid charger id", "GET", "/api/chargers/bad!id", "", nil, 400, "invalid_id"},
		{"unknown charger", "GET", "/api/chargers/c404", "", nil, 404, "not_found"},
		{"check-in invalid charger", "POST", "/api/sessions", `{"chargerId":"c 1"}`, nil, 400, "invalid_id"},
		{"check-in open session", "POST", "/api/sessions", `{"chargerId":"c1234"}`, nil, 409, "session_open"},
		{"widget taken", "PUT", "/api/pairings/c2", `{"widgetId":"wABCD"}`, nil, 409, "widget_taken"},
		{"invalid widget id", "PUT", "/api/pairings/c2", `{"widgetId":""}`, nil, 400, "invalid_id"},
		{"unpair unpaired", "DELETE", "/api/pairings/c2", "", nil, 404, "not_found"},
		{"bad state filter", "GET", "/api/sessions?state=pending", "", nil, 400, "invalid_input"},
		{"bad charger filter", "GET", "/api/sessions?charger=" + strings.Repeat("c", 49), "", nil, 400, "invalid_id"},
		{"unknown filter", "GET", "/api/sessions?status=open", "", nil, 400, "invalid_input"},
		{"bad report date", "GET", "/api/reports/reconciliation?from=yesterday", "", nil, 400, "invalid_input"},
		{"report from after to", "GET", "/api/reports/reconciliation?from=2026-07-05&to=2026-07-04T00:00:00Z", "", nil, 400, "invalid_input"},
		{"bad time zone", "POST", "/api/notices", `{"at":"2026-07-04 23:00","timeZone":"Mars/Olympus","text":"hi"}`, nil, 400, "invalid_input"},
		{"missing time zone", "POST", "/api/notices", `{"at":"2026-07-04 23:00","text":"hi"}`, nil, 400, "invalid_input"},
		{"bad notice time", "POST", "/api/notices", `{"at":"tomorrow 11pm","timeZone":"Europe/Madrid","text":"hi"}`, nil, 400, "invalid_input"},
		{"empty notice text", "POST", "/api/notices", `{"at":"2026-07-04 23:00","timeZone":"Europe/Madrid","text":"  "}`, nil, 400, "invalid_input"},
		{"oversized body", "POST", "/api/sessions/" + open + "/handback", big, nil, 413, "body_too_large"},
		{"handback owed without reason", "POST", "/api/sessions/" + open + "/handback", `{}`, nil, 409, "balance_due"},
		{"handback closed", "POST", "/api/sessions/" + closed + "/handback", `{"waiveReason":"again"}`, nil, 409, "session_closed"},
		{"remote start unwired", "POST", "/api/chargers/c1234/remote-start", `{"idTag":"T"}`, nil, 501, "not_implemented"},
		{"unknown route", "GET", "/api/nope", "", nil, 404, "not_found"},
		{"wrong method", "DELETE", "/api/chargers", "", nil, 405, "method_not_allowed"},
		{"live without upgrade", "GET", "/api/live", "", nil, 400, "websocket_required"},
	}
	if len(tests) < 15 {
		t.Fatalf("only %d cases", len(tests))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, tc.body, tc.hdr...)
			if r.code != tc.status {
				t.Fatalf("status: got %d, want %d; body %s", r.code, tc.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("content type: got %q, want application/json", ct)
			}
			code, msg := r.apiError(t)
			if code != tc.code || msg == "" {
				t.Errorf("error: got code %q message %q, want code %q and a message", code, msg, tc.code)
			}
			if tc.status == 401 && r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}

	// Nothing of the above moved money.
	if s := e.openSession("c1234"); s.PaidCents != 0 {
		t.Errorf("paid after bad requests: got %d, want 0", s.PaidCents)
	}
}
