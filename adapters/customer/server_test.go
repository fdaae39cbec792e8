package customer_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/customer"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/chargebooth/chargebooth/projections"
)

var t0 = time.Date(2026, 7, 4, 21, 0, 0, 0, time.UTC)

const (
	tokA = "AAAAAAAAAAAAAAAAAAAAAA"
	tokB = "BBBBBBBBBBBBBBBBBBBBBA"
)

// board returns a board with two open sessions, A (token tokA) and B.
func board(tb testing.TB) *projections.Board {
	tb.Helper()
	b := projections.NewBoard(domain.Tariff{FlatCents: 500, Currency: "EUR"})
	seq := uint64(0)
	add := func(charger, session string, p domain.Payload) {
		seq++
		e := domain.NewEvent(session+charger+string(rune('a'+seq)), t0, charger, session, p)
		e.Seq = seq
		if err := b.Apply(e); err != nil {
			tb.Fatal(err)
		}
	}
	add("ca", "sA", domain.SessionOpened{By: domain.OpenedByStaff, WidgetID: "wa", ClaimCode: "K7M4PX", Token: tokA, Label: "Anna"})
	add("cb", "sB", domain.SessionOpened{By: domain.OpenedByStaff, WidgetID: "wb", ClaimCode: "Z9Z9Z9", Token: tokB, Label: "Bert"})
	add("ca", "sA", domain.SoCReported{SoC: 85, Status: domain.StatusCharging80})
	return b
}

func get(tb testing.TB, h http.Handler, path, remote string) *httptest.ResponseRecorder {
	tb.Helper()
	r := httptest.NewRequest("GET", path, nil)
	r.RemoteAddr = remote
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestState(t *testing.T) {
	b := board(t)
	s := customer.New(customer.Config{Board: b, Clock: func() time.Time { return t0.Add(90 * time.Minute) }})
	w := get(t, s.Handler(), "/c/"+tokA+"/state", "10.0.0.1:5")
	if w.Code != http.StatusOK {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
	var v customer.View
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if v.Phase != customer.PhaseCharging || v.Status != domain.StatusCharging80 || v.SoC == nil || *v.SoC != 85 ||
		v.ChargingSeconds != 5400 || *v.BalanceCents != 500 || v.Currency != "EUR" {
		t.Errorf("view %+v", v)
	}
	for _, secret := range []string{"sA", "ca", "wa", "K7M4PX", "Anna", tokA, "sB", "Bert"} {
		if strings.Contains(w.Body.String(), `"`+secret+`"`) || strings.Contains(w.Body.String(), secret) && len(secret) > 3 {
			t.Errorf("view %s names %q", w.Body, secret)
		}
	}
	if csp := get(t, s.Handler(), "/c/"+tokA, "10.0.0.1:5").Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("page CSP %q", csp)
	}
}

func TestCollectedShowsOnlyWhen(t *testing.T) {
	b := board(t)
	e := domain.NewEvent("hb", t0.Add(2*time.Hour+14*time.Minute), "ca", "sA", domain.HandedBack{AmountDueCents: 500, PaidCents: 500, VerifiedBy: domain.VerifiedByClaimCode})
	e.Seq = 100
	_ = b.Apply(e)
	loc, _ := time.LoadLocation("Europe/Berlin")
	s := customer.New(customer.Config{Board: b, Location: loc})
	w := get(t, s.Handler(), "/c/"+tokA+"/state", "10.0.0.1:5")
	var v map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if len(v) != 3 || v["phase"] != customer.PhaseCollected || v["collectedLocal"] != "01:14" {
		t.Errorf("collected view %v, want phase, collectedAt and collectedLocal 01:14 only", v)
	}
}

func TestMissBudget(t *testing.T) {
	tests := []struct {
		name   string
		misses int
	}{
		{"one", 1},
		{"three", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := customer.New(customer.Config{Board: board(t), Misses: tt.misses, MissEvery: 50 * time.Millisecond})
			h := s.Handler()
			for i := 0; i < tt.misses; i++ {
				if w := get(t, h, "/c/CCCCCCCCCCCCCCCCCCCCCA", "10.0.0.9:1"); w.Code != http.StatusNotFound {
					t.Fatalf("miss %d: got %d", i+1, w.Code)
				}
			}
			w := get(t, h, "/c/"+tokA+"/state", "10.0.0.9:2")
			if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
				t.Fatalf("after %d misses: got %d, want 429 with Retry-After", tt.misses, w.Code)
			}
			// Another address is not affected.
			if w := get(t, h, "/c/"+tokA+"/state", "10.0.0.10:1"); w.Code != http.StatusOK {
				t.Errorf("another address: got %d", w.Code)
			}
			// The budget refills.
			testkit.CheckFor(t, 5*time.Second, func() error {
				if w := get(t, h, "/c/"+tokA+"/state", "10.0.0.9:3"); w.Code != http.StatusOK {
					return errNotYet
				}
				return nil
			})
		})
	}
}

func TestNotReady(t *testing.T) {
	s := customer.New(customer.Config{Board: board(t), Misses: 1, Ready: func() error { return errNotYet }})
	for i := 0; i < 3; i++ {
		if w := get(t, s.Handler(), "/c/CCCCCCCCCCCCCCCCCCCCCA", "10.0.0.1:1"); w.Code != http.StatusServiceUnavailable {
			t.Fatalf("while starting: got %d, want 503 (and no miss counted)", w.Code)
		}
	}
}

func TestStreamsPerSession(t *testing.T) {
	s := customer.New(customer.Config{Board: board(t), PerSession: 2})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	defer s.Close()
	open := func() *http.Response {
		t.Helper()
		resp, err := http.Get(srv.URL + "/c/" + tokA + "/events")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	for i := 0; i < 2; i++ {
		r := open()
		if r.StatusCode != http.StatusOK {
			t.Fatalf("stream %d: %d", i+1, r.StatusCode)
		}
		line, _ := bufio.NewReader(r.Body).ReadString('\n')
		if !strings.HasPrefix(line, "retry: ") {
			t.Fatalf("stream %d starts with %q", i+1, line)
		}
	}
	testkit.CheckFor(t, 5*time.Second, func() error {
		if s.Streams() != 2 {
			return errNotYet
		}
		return nil
	})
	if r := open(); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("third stream: got %d, want 429", r.StatusCode)
	}
	s.Close()
	testkit.CheckFor(t, 5*time.Second, func() error {
		if s.Streams() != 0 {
			return errNotYet
		}
		return nil
	})
}

type notYet struct{}

func (notYet) Error() string { return "not yet" }

var errNotYet error = notYet{}

func TestMissTableBounded(t *testing.T) {
	s := customer.New(customer.Config{Board: board(t)})
	h := s.Handler()
	for i := 0; i < customer.MaxAddresses+10; i++ {
		remote := "10." + itoa(i>>16&255) + "." + itoa(i>>8&255) + "." + itoa(i&255) + ":1"
		if w := get(t, h, "/c/CCCCCCCCCCCCCCCCCCCCCA", remote); w.Code != http.StatusNotFound {
			t.Fatalf("address %d: got %d", i, w.Code)
		}
	}
	if n := s.Addresses(); n > customer.MaxAddresses {
		t.Errorf("miss table holds %d addresses, want at most %d", n, customer.MaxAddresses)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
