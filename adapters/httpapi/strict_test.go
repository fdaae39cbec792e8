package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/domain"
)

// TestStrictInput sends bodies that encoding/json v1 took (the last of
// duplicate keys, names in any case, invalid UTF-8 replaced) and free text
// with control or bidi characters: each is a 400 whose message names the
// problem, and none records anything.
func TestStrictInput(t *testing.T) {
	rc := &remote{}
	e := newEnv(t, func(c *httpapi.Config) { c.Remote = rc })
	e.must(http.StatusOK, "PUT", "/api/pairings/c1234", `{"widgetId":"wABCD"}`)
	e.reading("c1234", 50)
	e.caughtUp()
	open := e.openSession("c1234").ID
	pay := "/api/sessions/" + open + "/payments"
	back := "/api/sessions/" + open + "/handback"

	tests := []struct {
		name, method, path, body string
		code, msg                string
	}{
		{"duplicate key", "POST", pay, `{"amountCents":100,"amountCents":7,"method":"cash"}`,
			"invalid_input", `duplicate field "amountCents"`},
		{"duplicate key, other spelling", "POST", pay, `{"method":"cash","amountCents":7,"method":"card"}`,
			"invalid_input", `duplicate field "method"`},
		{"name in upper case", "POST", pay, `{"AMOUNTCENTS":7,"method":"cash"}`,
			"invalid_input", `unknown field "AMOUNTCENTS" (field names are case-sensitive: did you mean "amountCents"?)`},
		{"name in title case", "POST", "/api/notices", `{"at":"2026-07-04 23:00","timeZone":"UTC","Text":"hi"}`,
			"invalid_input", `unknown field "Text" (field names are case-sensitive: did you mean "text"?)`},
		{"name in another case beside the right one", "POST", pay, `{"amountCents":100,"AmountCents":7,"method":"cash"}`,
			"invalid_input", `unknown field "AmountCents" (field names are case-sensitive: did you mean "amountCents"?)`},
		{"unknown field", "POST", pay, `{"amountCents":100,"method":"cash","tipCents":5}`,
			"invalid_input", `unknown field "tipCents"`},
		{"invalid UTF-8", "POST", pay, "{\"amountCents\":100,\"method\":\"cash\",\"reference\":\"caf\xe9\"}",
			"malformed_json", "invalid UTF-8 in the request body"},
		{"invalid UTF-8 in a name", "POST", pay, "{\"amountCents\":100,\"method\":\"cash\",\"\xff\":1}",
			"malformed_json", "invalid UTF-8 in the request body"},
		{"escaped lone surrogate", "POST", pay, `{"amountCents":100,"method":"cash","reference":"\ud800"}`,
			"malformed_json", "invalid UTF-8 in the request body"},
		{"reference with a bidi override", "POST", pay, `{"amountCents":100,"method":"cash","reference":"till \u202e1"}`,
			"invalid_input", "reference must not contain bidirectional formatting characters (U+202E at character 6)"},
		{"reference with an escape", "POST", pay, `{"amountCents":100,"method":"cash","reference":"\u001b[2J"}`,
			"invalid_input", "reference must not contain control characters (U+001B at character 1)"},
		{"reference on two lines", "POST", pay, `{"amountCents":100,"method":"cash","reference":"a\nb"}`,
			"invalid_input", "reference must be a single line (U+000A at character 2)"},
		{"waive reason with an isolate", "POST", back, `{"waiveReason":"crew \u2067phone"}`,
			"invalid_input", "waiveReason must not contain bidirectional formatting characters (U+2067 at character 6)"},
		{"waive reason with a C1 control", "POST", back, `{"waiveReason":"crew \u0085phone"}`,
			"invalid_input", "waiveReason must not contain control characters (U+0085 at character 6)"},
		{"notice with a bidi mark", "POST", "/api/notices", `{"at":"2026-07-04 23:00","timeZone":"UTC","text":"closing \u200f"}`,
			"invalid_input", "text must not contain bidirectional formatting characters (U+200F at character 9)"},
		{"notice with a tab", "POST", "/api/notices", `{"at":"2026-07-04 23:00","timeZone":"UTC","text":"a\tb"}`,
			"invalid_input", "text must not contain control characters (U+0009 at character 2)"},
		{"idTag with a NUL", "POST", "/api/chargers/c1234/remote-start", `{"idTag":"ST\u0000AFF"}`,
			"invalid_input", "idTag must not contain control characters (U+0000 at character 3)"},
		{"idTag with an override", "POST", "/api/chargers/c1234/remote-start", `{"idTag":"\u202dSTAFF"}`,
			"invalid_input", "idTag must not contain bidirectional formatting characters (U+202D at character 1)"},
		{"idTag duplicated", "POST", "/api/chargers/c1234/remote-start", `{"idTag":"A","idTag":"B"}`,
			"invalid_input", `duplicate field "idTag"`},
		{"pairing in another case", "PUT", "/api/pairings/c77", `{"WidgetId":"wEEEE"}`,
			"invalid_input", `unknown field "WidgetId" (field names are case-sensitive: did you mean "widgetId"?)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, tc.body)
			if r.code != http.StatusBadRequest {
				t.Fatalf("status: got %d, want 400; body %s", r.code, r.body)
			}
			code, msg := r.apiError(t)
			if code != tc.code || msg != tc.msg {
				t.Errorf("error: got %s %q, want %s %q", code, msg, tc.code, tc.msg)
			}
		})
	}

	e.caughtUp()
	if s := e.openSession("c1234"); s.PaidCents != 0 {
		t.Errorf("paid after refused bodies: got %d, want 0", s.PaidCents)
	}
	if n := e.board.Notices(); len(n) != 0 {
		t.Errorf("notices after refused bodies: got %+v, want none", n)
	}
	if p := e.board.Pairings(); len(p) != 1 {
		t.Errorf("pairings after refused bodies: got %+v, want c1234's only", p)
	}
	if len(rc.calls) != 0 {
		t.Errorf("remote calls after refused bodies: got %q, want none", rc.calls)
	}

	// The same texts, spelled right, pass.
	e.must(http.StatusCreated, "POST", pay, `{"amountCents":100,"method":"cash","reference":"till 1 café"}`)
	e.must(http.StatusCreated, "POST", "/api/notices", `{"at":"2026-07-04 23:00","timeZone":"UTC","text":"Booth closes\nat midnight"}`)
}

// TestNoticeLimits checks the notice window (5 minutes ago to a year
// ahead; day0 is 2026-07-04 20:00 UTC) and the cap on waiting notices.
func TestNoticeLimits(t *testing.T) {
	e := newEnv(t)
	for _, at := range []string{"0001-01-01 00:00", "9999-12-31 23:59", "2026-07-04 19:54", "2027-07-06 20:00"} {
		t.Run(at, func(t *testing.T) {
			r := e.do("POST", "/api/notices", `{"at":"`+at+`","timeZone":"UTC","text":"hi"}`)
			code, msg := r.apiError(t)
			want := "at must lie between 2026-07-04 19:55 and 2027-07-05 20:00 in UTC, from 5 minutes ago to a year ahead (got " + at + ")"
			if r.code != http.StatusBadRequest || code != domain.CodeInvalidInput || msg != want {
				t.Errorf("got %d %s %q, want 400 invalid_input %q", r.code, code, msg, want)
			}
		})
	}
	e.must(http.StatusCreated, "POST", "/api/notices", `{"at":"2026-07-04 19:55","timeZone":"UTC","text":"just now"}`)

	// Fill the cap in one decision, then ask for one more.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := e.svc.OnNotices(ctx, func(n *domain.Notices, x domain.Ctx) ([]domain.Event, error) {
		var out []domain.Event
		for range domain.MaxScheduledNotices - n.Scheduled() {
			evs, err := n.Schedule(x, "2026-07-05 12:00", "UTC", "later", func(string) (*time.Location, error) { return time.UTC, nil })
			if err != nil {
				return nil, err
			}
			out = append(out, evs...)
		}
		return out, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r := e.do("POST", "/api/notices", `{"at":"2026-07-05 13:00","timeZone":"UTC","text":"one more"}`)
	code, msg := r.apiError(t)
	if want := "too many scheduled notices (1000); wait for some to fire"; r.code != http.StatusConflict || code != domain.CodeTooManyNotices || msg != want {
		t.Errorf("over the cap: got %d %s %q, want 409 %s %q", r.code, code, msg, domain.CodeTooManyNotices, want)
	}
}
