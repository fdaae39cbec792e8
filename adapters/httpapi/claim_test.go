package httpapi_test

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/domain"
)

// ticketed is a session's JSON with its ticket fields.
type ticketed struct {
	session
	ClaimCode  string `json:"claimCode"`
	Label      string `json:"label"`
	VerifiedBy string `json:"verifiedBy"`
}

// newTicketEnv is an env whose sessions get tickets, with tk as the
// ticket configuration.
func newTicketEnv(tb testing.TB, tk httpapi.Tickets) *env {
	tb.Helper()
	e := newEnv(tb, func(c *httpapi.Config) { c.Tickets = tk })
	e.svc.SetTickets(domain.NewTicketSource(rand.Reader, e.board.ClaimCodeInUse))
	return e
}

func (e *env) checkIn(body string) ticketed {
	e.t.Helper()
	var s ticketed
	e.must(http.StatusCreated, "POST", "/api/sessions", body).decode(e.t, &s)
	return s
}

func TestCheckInWithTicket(t *testing.T) {
	e := newTicketEnv(t, httpapi.Tickets{Verify: true})
	s := e.checkIn(`{"chargerId":"c1","widgetId":"w7","label":"  Anna "}`)
	if s.WidgetID != "w7" || s.Label != "Anna" || len(s.ClaimCode) != domain.ClaimCodeLen {
		t.Fatalf("checked in: got widget %q label %q code %q", s.WidgetID, s.Label, s.ClaimCode)
	}
	if _, err := domain.ParseClaimCode(s.ClaimCode); err != nil {
		t.Errorf("claim code %q: %v", s.ClaimCode, err)
	}
	var p domain.Pair
	e.must(http.StatusOK, "GET", "/api/pairings/c1", "").decode(t, &p)
	if p.WidgetID != "w7" {
		t.Errorf("pairing after check-in with w7: got %q", p.WidgetID)
	}
	if strings.Contains(string(e.must(http.StatusOK, "GET", "/api/sessions", "").body), `"token"`) {
		t.Error("the session list carries a customer token")
	}
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"widget out with an open session", `{"chargerId":"c2","widgetId":"w7"}`, http.StatusConflict, domain.CodeWidgetTaken},
		{"malformed widget", `{"chargerId":"c2","widgetId":"w 7"}`, http.StatusBadRequest, domain.CodeInvalidID},
		{"label too long", fmt.Sprintf(`{"chargerId":"c2","label":%q}`, strings.Repeat("x", domain.MaxLabelLen+1)), http.StatusBadRequest, domain.CodeInvalidInput},
		{"label with a control character", `{"chargerId":"c2","label":"a\u0007"}`, http.StatusBadRequest, domain.CodeInvalidInput},
		{"label not a string", `{"chargerId":"c2","label":7}`, http.StatusBadRequest, ""},
		{"charger busy", `{"chargerId":"c1"}`, http.StatusConflict, domain.CodeSessionOpen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.must(tt.status, "POST", "/api/sessions", tt.body)
			if code, msg := r.apiError(t); tt.code != "" && code != tt.code || msg == "" {
				t.Errorf("got %q %q, want %q with a message", code, msg, tt.code)
			}
		})
	}
}

func TestHandBackClaim(t *testing.T) {
	e := newTicketEnv(t, httpapi.Tickets{Verify: true})
	tests := []struct {
		name, route, body string // body: CODE, PRINTED and WIDGET are the session's
		status            int
		code, by, reason  string
	}{
		{"nothing given", "handback", `{}`, http.StatusBadRequest, domain.CodeClaimRequired, "", ""},
		{"wrong claim code", "handback", `{"claimCode":"ZZZZZZ"}`, http.StatusConflict, domain.CodeClaimMismatch, "", ""},
		{"wrong widget", "handback", `{"widgetId":"w9"}`, http.StatusConflict, domain.CodeClaimMismatch, "", ""},
		{"malformed claim code", "handback", `{"claimCode":"0OIL1U"}`, http.StatusBadRequest, domain.CodeInvalidInput, "", ""},
		{"override reason on the staff route", "handback", `{"overrideReason":"trust me"}`, http.StatusBadRequest, domain.CodeInvalidInput, "", ""},
		{"override without a reason", "handback-override", `{}`, http.StatusBadRequest, domain.CodeInvalidInput, "", ""},
		{"widget scanned", "handback", `{"widgetId":"WIDGET"}`, http.StatusOK, "", domain.VerifiedByWidget, ""},
		{"claim code typed", "handback", `{"claimCode":"CODE"}`, http.StatusOK, "", domain.VerifiedByClaimCode, ""},
		{"claim code typed as printed", "handback", `{"claimCode":"PRINTED"}`, http.StatusOK, "", domain.VerifiedByClaimCode, ""},
		{"lead override", "handback-override", `{"overrideReason":"ID checked: passport"}`, http.StatusOK, "", domain.VerifiedByOverride, "ID checked: passport"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			widget := fmt.Sprintf("hw%d", i)
			s := e.checkIn(fmt.Sprintf(`{"chargerId":"hb%d","widgetId":%q}`, i, widget))
			e.must(http.StatusCreated, "POST", "/api/sessions/"+s.ID+"/payments", `{"amountCents":500,"method":"cash"}`)
			printed := strings.ToLower(s.ClaimCode[:3]) + " " + s.ClaimCode[3:]
			r := e.must(tt.status, "POST", "/api/sessions/"+s.ID+"/"+tt.route, strings.NewReplacer("CODE", s.ClaimCode, "PRINTED", printed, "WIDGET", widget).Replace(tt.body))
			var got ticketed
			e.must(http.StatusOK, "GET", "/api/sessions/"+s.ID, "").decode(t, &got)
			if tt.code != "" {
				if code, msg := r.apiError(t); code != tt.code || msg == "" {
					t.Errorf("got %q %q, want %q with a message", code, msg, tt.code)
				}
				if got.State != "open" || len(got.Timeline) != 2 {
					t.Errorf("after a refusal: state %q, %d events; want open and nothing new", got.State, len(got.Timeline))
				}
				return
			}
			if got.State != "closed" || got.VerifiedBy != tt.by {
				t.Fatalf("handed back: state %q verifiedBy %q, want closed %q", got.State, got.VerifiedBy, tt.by)
			}
			last := got.Timeline[len(got.Timeline)-1]
			var h domain.HandedBack
			if err := json.Unmarshal(last.Data, &h); err != nil || last.Type != domain.TypeHandedBack {
				t.Fatalf("last event %s %s: %v", last.Type, last.Data, err)
			}
			if h.VerifiedBy != tt.by || h.OverrideReason != tt.reason {
				t.Errorf("handed_back: verifiedBy %q reason %q, want %q %q", h.VerifiedBy, h.OverrideReason, tt.by, tt.reason)
			}
		})
	}
}

func TestHandBackWithoutVerify(t *testing.T) {
	e := newTicketEnv(t, httpapi.Tickets{Verify: false})
	s := e.checkIn(`{"chargerId":"c1"}`)
	var got ticketed
	e.must(http.StatusOK, "POST", "/api/sessions/"+s.ID+"/handback", `{"waiveReason":"test"}`).decode(t, &got)
	if got.State != "closed" || got.VerifiedBy != domain.VerifiedByNone {
		t.Errorf("got state %q verifiedBy %q, want closed none", got.State, got.VerifiedBy)
	}
	// A claim given is still checked.
	s = e.checkIn(`{"chargerId":"c2"}`)
	e.must(http.StatusConflict, "POST", "/api/sessions/"+s.ID+"/handback", `{"claimCode":"ZZZZZZ","waiveReason":"test"}`)
}

func TestTicketPage(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	e := newTicketEnv(t, httpapi.Tickets{Verify: true, BoothName: "Main <Stage>", PublicURL: "https://booth.example", Location: loc})
	s := e.checkIn(`{"chargerId":"c1","label":"Zoë"}`)
	page := e.must(http.StatusOK, "GET", "/tickets/"+s.ID, "")
	body := string(page.body)
	var d struct {
		Timeline []struct {
			Data struct {
				Token string `json:"token"`
			} `json:"data"`
		} `json:"timeline"`
	}
	e.must(http.StatusOK, "GET", "/api/sessions/"+s.ID, "").decode(t, &d)
	token := d.Timeline[0].Data.Token
	for _, want := range []string{
		`data-claim-code="` + s.ClaimCode + `"`, s.ClaimCode[:3] + " " + s.ClaimCode[3:],
		"Main &lt;Stage&gt;", "https://booth.example/c/" + token, "EUR 5.00", "Zoë", "22:00 CEST", "<svg class=\"qr\"",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("ticket page lacks %q:\n%s", want, body)
		}
	}
	if ct := page.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	tests := []struct {
		name, path string
		hdr        []string
		status     int
	}{
		{"no token", "/tickets/" + s.ID, []string{"Authorization", "-"}, http.StatusUnauthorized},
		{"wrong token", "/tickets/" + s.ID, []string{"Authorization", "Bearer nope"}, http.StatusUnauthorized},
		{"unknown session", "/tickets/01JUNKNOWNSESSION000000000", nil, http.StatusNotFound},
		{"malformed id", "/tickets/" + strings.Repeat("x", 100), nil, http.StatusBadRequest},
		{"style sheet needs no token", "/tickets/ticket.css", []string{"Authorization", "-"}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.must(tt.status, "GET", tt.path, "", tt.hdr...)
			if tt.status >= 400 {
				if code, _ := r.apiError(t); code == "" {
					t.Errorf("refusal without a JSON error: %s", r.body)
				}
			}
		})
	}
	// A session opened without a ticket has no ticket page.
	e.svc.SetTickets(nil)
	plain := e.checkIn(`{"chargerId":"c2"}`)
	e.must(http.StatusNotFound, "GET", "/tickets/"+plain.ID, "")
}

func TestTicketRoutesInRoleTable(t *testing.T) {
	e := newTicketEnv(t, httpapi.Tickets{})
	want := map[string]httpapi.Role{
		"POST /api/sessions/{id}/handback":          httpapi.RoleStaff,
		"POST /api/sessions/{id}/handback-override": httpapi.RoleLead,
		"GET /tickets/{id}":                         httpapi.RoleStaff,
	}
	for _, r := range e.api.Routes() {
		if role, ok := want[r.Pattern]; ok {
			if r.Role != role {
				t.Errorf("%s: got role %q, want %q", r.Pattern, r.Role, role)
			}
			delete(want, r.Pattern)
		}
	}
	for p := range want {
		t.Errorf("%s is not in the role table", p)
	}
}

func TestTariffText(t *testing.T) {
	tests := []struct {
		t    domain.Tariff
		want string
	}{
		{domain.Tariff{FlatCents: 500, Currency: "EUR"}, "EUR 5.00"},
		{domain.Tariff{FlatCents: 200, HourlyCents: 100, CapCents: 1000, Currency: "CHF"}, "CHF 2.00 + CHF 1.00 per started hour, at most CHF 10.00"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := httpapi.TariffText(tt.t); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
