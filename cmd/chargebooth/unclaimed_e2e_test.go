package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/testkit"
)

func TestMoneyFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // "" accepted, else part of the error
	}{
		{"closing in a zone", []string{"--closes-at", "02:00", "--time-zone", "Europe/Madrid"}, ""},
		{"closing in the local zone", []string{"--closes-at", "23:30"}, ""},
		{"no closing", nil, ""},
		{"bad closing", []string{"--closes-at", "2am"}, "--closes-at"},
		{"closing past midnight", []string{"--closes-at", "24:00"}, "--closes-at"},
		{"bad zone", []string{"--closes-at", "02:00", "--time-zone", "Mars/Olympus"}, "--time-zone"},
		{"bad zone alone", []string{"--time-zone", "Nowhere"}, "--time-zone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Main
			m.Stderr = &testkit.SyncBuffer{}
			if err := m.ParseFlags(tt.args); err != nil {
				t.Fatal(err)
			}
			err := m.Config.Money.check()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error: got %v, want one naming %s", err, tt.want)
			}
		})
	}
}

// TestUnclaimedAtClosingServer is must-show 6 through the server, with an
// injected clock: at 02:00 Madrid the phone still at the booth is marked
// unclaimed once, listed at ?status=unclaimed with the shift left open
// flagged, and handed back the next day.
func TestUnclaimedAtClosingServer(t *testing.T) {
	clock := testkit.NewClock(time.Date(2026, 7, 4, 20, 0, 0, 0, time.UTC)) // 22:00 in Madrid
	m := startMain(t, t.TempDir(), func(m *Main) {
		m.Clock = clock.Now
		m.Config.Money.ClosesAt, m.Config.Money.TimeZone, m.Config.Money.UnclaimedEvery = "02:00", "Europe/Madrid", 20*time.Millisecond
	})
	var s struct {
		ID string `json:"id"`
	}
	if code := api(t, m, "POST", "/api/sessions", `{"chargerId":"c7"}`, &s); code != http.StatusCreated {
		t.Fatalf("check in: %d", code)
	}
	if code := api(t, m, "POST", "/api/shifts", `{"floatCents":5000}`, nil); code != http.StatusCreated {
		t.Fatalf("open shift: %d", code)
	}
	type listed struct {
		Sessions []struct {
			ID             string `json:"id"`
			UnclaimedNight string `json:"unclaimedNight"`
		} `json:"sessions"`
	}
	unclaimed := func() listed {
		var l listed
		api(t, m, "GET", "/api/sessions?status=unclaimed", "", &l)
		return l
	}
	marks := func() int {
		var d struct {
			Timeline []struct {
				Type string `json:"type"`
			} `json:"timeline"`
		}
		api(t, m, "GET", "/api/sessions/"+s.ID, "", &d)
		n := 0
		for _, e := range d.Timeline {
			if e.Type == "session.unclaimed" {
				n++
			}
		}
		return n
	}
	testkit.HoldsFor(t, 200*time.Millisecond, func() error {
		if l := unclaimed(); len(l.Sessions) != 0 {
			return fmt.Errorf("unclaimed before closing: %+v", l)
		}
		return nil
	})
	clock.Advance(4*time.Hour + time.Minute) // 02:01 in Madrid
	testkit.CheckFor(t, 10*time.Second, func() error {
		if l := unclaimed(); len(l.Sessions) != 1 || l.Sessions[0].ID != s.ID || l.Sessions[0].UnclaimedNight != "2026-07-05 02:00" {
			return fmt.Errorf("unclaimed list: %+v", l)
		}
		return nil
	})
	testkit.HoldsFor(t, 300*time.Millisecond, func() error {
		if n := marks(); n != 1 {
			return fmt.Errorf("session.unclaimed stored %d times, want once", n)
		}
		return nil
	})
	var shifts struct {
		Shifts []struct {
			OpenAtClosing bool `json:"openAtClosing"`
		} `json:"shifts"`
	}
	api(t, m, "GET", "/api/shifts?state=open", "", &shifts)
	if len(shifts.Shifts) != 1 || !shifts.Shifts[0].OpenAtClosing {
		t.Errorf("shift left open at closing not flagged: %+v", shifts)
	}
	// The next afternoon: still collectable.
	clock.Advance(12 * time.Hour)
	if code := api(t, m, "POST", "/api/sessions/"+s.ID+"/payments", `{"amountCents":500,"method":"cash"}`, nil); code != http.StatusCreated {
		t.Fatalf("pay next day: %d", code)
	}
	if code := api(t, m, "POST", "/api/sessions/"+s.ID+"/handback", claimBody(t, m, s.ID, ""), nil); code != http.StatusOK {
		t.Fatalf("hand back next day: %d", code)
	}
	if l := unclaimed(); len(l.Sessions) != 0 {
		t.Fatalf("collected phone still listed: %+v", l)
	}
	if n := marks(); n != 1 {
		t.Fatalf("session.unclaimed stored %d times, want once", n)
	}
}
