package admission_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/admission"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
	"golang.org/x/crypto/bcrypt"
)

var t0 = time.Date(2026, 7, 4, 18, 0, 0, 0, time.UTC)

// board returns a board with c1234 ↔ wABCD paired, charger cE enrolled with
// secret "charger-secret", widget wE with key "widget-key", charger cOld seen.
func board(tb testing.TB) *projections.Board {
	tb.Helper()
	hash := func(s string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(s), bcrypt.MinCost)
		if err != nil {
			tb.Fatal(err)
		}
		return string(h)
	}
	b := projections.NewBoard(domain.DefaultTariff)
	evs := []domain.Event{
		domain.NewEvent("e1", t0, "c1234", "", domain.PairingSet{ChargerID: "c1234", WidgetID: "wABCD"}),
		domain.NewEvent("e2", t0, "cE", "", domain.DeviceEnrolled{Kind: domain.DeviceCharger, DeviceID: "cE", SecretHash: hash("charger-secret")}),
		domain.NewEvent("e3", t0, "", "", domain.DeviceEnrolled{Kind: domain.DeviceWidget, DeviceID: "wE", SecretHash: hash("widget-key")}),
		domain.NewEvent("e4", t0, "cOld", "", domain.ChargerConnected{Conn: "k1"}),
	}
	for i, e := range evs {
		e.Seq = uint64(i + 1)
		if err := b.Apply(e); err != nil {
			tb.Fatal(err)
		}
	}
	return b
}

func request(url string, h http.Header) *http.Request {
	r := httptest.NewRequest(http.MethodGet, url, nil)
	for k, v := range h {
		r.Header[k] = v
	}
	return r
}

func basic(user, pass string) http.Header {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth(user, pass)
	return r.Header
}

func TestCheck(t *testing.T) {
	b := board(t)
	tests := []struct {
		name       string
		mode       admission.Mode
		kind, id   string
		url        string
		header     http.Header
		wantStatus int
		wantReason string
	}{
		{name: "open: anyone", mode: admission.ModeOpen, kind: domain.DeviceCharger, id: "c9"},
		{name: "enrolled: a paired charger", mode: admission.ModeEnrolled, kind: domain.DeviceCharger, id: "c1234"},
		{name: "enrolled: a paired widget", mode: admission.ModeEnrolled, kind: domain.DeviceWidget, id: "wABCD"},
		{name: "enrolled: an enrolled charger", mode: admission.ModeEnrolled, kind: domain.DeviceCharger, id: "cE"},
		{name: "enrolled: an unknown charger", mode: admission.ModeEnrolled, kind: domain.DeviceCharger, id: "c9", wantStatus: 403,
			wantReason: "charger c9 is not enrolled on this booth; enrol it with PUT /api/devices/chargers/c9 or pair it"},
		{name: "enrolled: a seen but unenrolled charger", mode: admission.ModeEnrolled, kind: domain.DeviceCharger, id: "cOld", wantStatus: 403},
		{name: "enrolled: an unknown widget", mode: admission.ModeEnrolled, kind: domain.DeviceWidget, id: "w9", wantStatus: 403,
			wantReason: "widget w9 is not enrolled on this booth; enrol it with PUT /api/devices/widgets/w9 or pair it with a charger"},
		{name: "authenticated: the right Basic password", mode: admission.ModeAuthenticated, kind: domain.DeviceCharger, id: "cE", header: basic("cE", "charger-secret")},
		{name: "authenticated: a wrong password", mode: admission.ModeAuthenticated, kind: domain.DeviceCharger, id: "cE", header: basic("cE", "nope"), wantStatus: 401,
			wantReason: "charger cE credentials are wrong"},
		{name: "authenticated: another user name", mode: admission.ModeAuthenticated, kind: domain.DeviceCharger, id: "cE", header: basic("c1234", "charger-secret"), wantStatus: 401},
		{name: "authenticated: no credentials", mode: admission.ModeAuthenticated, kind: domain.DeviceCharger, id: "cE", wantStatus: 401,
			wantReason: "charger cE sent no credentials"},
		{name: "authenticated: paired but no secret", mode: admission.ModeAuthenticated, kind: domain.DeviceCharger, id: "c1234", header: basic("c1234", "x"), wantStatus: 401,
			wantReason: "charger c1234 has no secret on this booth"},
		{name: "authenticated: widget key in the query", mode: admission.ModeAuthenticated, kind: domain.DeviceWidget, id: "wE", url: "/widgets/wE?key=widget-key"},
		{name: "authenticated: widget key in the header", mode: admission.ModeAuthenticated, kind: domain.DeviceWidget, id: "wE",
			header: http.Header{admission.WidgetKeyHeader: {"widget-key"}}},
		{name: "authenticated: a wrong widget key", mode: admission.ModeAuthenticated, kind: domain.DeviceWidget, id: "wE", url: "/widgets/wE?key=guess", wantStatus: 401,
			wantReason: "widget wE key is wrong"},
		{name: "authenticated: no widget key", mode: admission.ModeAuthenticated, kind: domain.DeviceWidget, id: "wE", wantStatus: 401,
			wantReason: "widget wE sent no key"},
		{name: "authenticated: unknown before secrets", mode: admission.ModeAuthenticated, kind: domain.DeviceWidget, id: "w9", wantStatus: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := admission.New(admission.Config{Mode: tt.mode, Board: b})
			url := tt.url
			if url == "" {
				url = "/" + tt.kind + "s/" + tt.id
			}
			h := http.Header{}
			status, reason := p.Check(tt.kind, h, request(url, tt.header), tt.id, false)
			if status != tt.wantStatus {
				t.Fatalf("status: got %d (%s), want %d", status, reason, tt.wantStatus)
			}
			if !strings.HasPrefix(reason, tt.wantReason) {
				t.Errorf("reason: got %q, want it to start with %q", reason, tt.wantReason)
			}
			if status == 401 && tt.kind == domain.DeviceCharger && h.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}

func TestCheckChargerAuthFile(t *testing.T) {
	p := admission.New(admission.Config{Mode: admission.ModeAuthenticated, Board: board(t),
		ChargerAuth: func(r *http.Request, id string) bool {
			_, pass, _ := r.BasicAuth()
			return id == "c1234" && pass == "from-file"
		}})
	if status, reason := p.Check(domain.DeviceCharger, http.Header{}, request("/chargers/c1234", basic("c1234", "from-file")), "c1234", false); status != 0 {
		t.Fatalf("password from the file: %d %s", status, reason)
	}
	if status, _ := p.Check(domain.DeviceCharger, http.Header{}, request("/chargers/c1234", basic("c1234", "other")), "c1234", false); status != 401 {
		t.Fatalf("wrong password: got %d, want 401", status)
	}
}

func TestReplacementThrottled(t *testing.T) {
	now := t0
	var refused []string
	p := admission.New(admission.Config{Mode: admission.ModeEnrolled, Board: board(t), Now: func() time.Time { return now },
		Refused: func(kind, cause string) { refused = append(refused, cause) }})
	check := func(live bool) int {
		h := http.Header{}
		status, reason := p.Check(domain.DeviceCharger, h, request("/chargers/c1234", nil), "c1234", live)
		if status == 429 && (reason != "charger c1234 reconnected too often; retry in a few seconds" || h.Get("Retry-After") == "") {
			t.Errorf("429: reason %q, Retry-After %q", reason, h.Get("Retry-After"))
		}
		return status
	}
	if got := check(false); got != 0 {
		t.Fatalf("first connection: %d", got)
	}
	if got := check(true); got != 0 {
		t.Fatalf("first replacement: %d", got)
	}
	for i := 0; i < 5; i++ {
		now = now.Add(100 * time.Millisecond)
		if got := check(true); got != 429 {
			t.Fatalf("replacement %d within 2s: got %d, want 429", i, got)
		}
	}
	if got := check(false); got != 0 {
		t.Fatalf("a connection replacing nothing: got %d, want 0", got)
	}
	now = now.Add(admission.DefaultReplaceEvery)
	if got := check(true); got != 0 {
		t.Fatalf("replacement after 2s: got %d, want 0", got)
	}
	if len(refused) != 5 || refused[0] != "replaced_too_often" {
		t.Errorf("refusals heard: %v", refused)
	}
}

func TestNewIDCaps(t *testing.T) {
	now := t0
	b := board(t) // knows cOld, not enrolled nor paired
	p := admission.New(admission.Config{Mode: admission.ModeOpen, Board: b, NewPerMinute: 3, Now: func() time.Time { return now }})
	for i, id := range []string{"n1", "n2", "n3"} {
		if status, reason := p.Check(domain.DeviceCharger, http.Header{}, request("/", nil), id, false); status != 0 {
			t.Fatalf("new id %d: %d %s", i, status, reason)
		}
	}
	h := http.Header{}
	status, reason := p.Check(domain.DeviceCharger, h, request("/", nil), "n4", false)
	if status != 429 || !strings.HasPrefix(reason, "more than 3 new charger ids connected in the last minute; charger n4 was refused") {
		t.Fatalf("fourth new id: got %d %q", status, reason)
	}
	if status, _ := p.Check(domain.DeviceCharger, http.Header{}, request("/", nil), "cOld", false); status != 0 {
		t.Fatalf("a known id under the cap: %d", status)
	}
	if status, _ := p.Check(domain.DeviceWidget, http.Header{}, request("/", nil), "wNew", false); status != 0 {
		t.Fatalf("widgets have their own cap: %d", status)
	}
	now = now.Add(20 * time.Second)
	if status, _ := p.Check(domain.DeviceCharger, http.Header{}, request("/", nil), "n5", false); status != 0 {
		t.Fatalf("after 20s one more: %d", status)
	}

	capped := admission.New(admission.Config{Mode: admission.ModeOpen, Board: b, MaxUnenrolled: 1})
	status, reason = capped.Check(domain.DeviceCharger, http.Header{}, request("/", nil), "n6", false)
	if status != 403 || !strings.HasPrefix(reason, "this booth already knows 1 chargers that are not enrolled; charger n6 was refused") {
		t.Fatalf("over --max-unenrolled: got %d %q", status, reason)
	}
	if status, _ := capped.Check(domain.DeviceCharger, http.Header{}, request("/", nil), "cE", false); status != 0 {
		t.Fatalf("an enrolled charger over the cap: %d", status)
	}
}

func TestParseMode(t *testing.T) {
	for _, s := range []string{"open", "enrolled", "authenticated"} {
		if m, err := admission.ParseMode(s); err != nil || string(m) != s {
			t.Errorf("ParseMode(%q) = %q, %v", s, m, err)
		}
	}
	if _, err := admission.ParseMode("closed"); err == nil {
		t.Error("ParseMode(closed): no error")
	}
}

func TestCheckWhileCatchingUp(t *testing.T) {
	notYet := func() error { return errors.New("catching up") }
	b := board(t)
	tests := []struct {
		mode       admission.Mode
		id         string
		wantStatus int
	}{
		{admission.ModeEnrolled, "c9", http.StatusServiceUnavailable},
		{admission.ModeEnrolled, "c1234", 0},
		{admission.ModeOpen, "c9", 0},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode)+" "+tt.id, func(t *testing.T) {
			p := admission.New(admission.Config{Mode: tt.mode, Board: b, Ready: notYet, NewPerMinute: 1, MaxUnenrolled: 1})
			h := http.Header{}
			for range 3 { // the caps are off while catching up
				if status, reason := p.Check(domain.DeviceCharger, h, request("/", nil), tt.id, false); status != tt.wantStatus {
					t.Fatalf("got %d (%s), want %d", status, reason, tt.wantStatus)
				}
			}
		})
	}
}
