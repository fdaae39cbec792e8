package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/testkit"
)

// chargerOnline reads a charger's presence through the staff API.
func chargerOnline(tb testing.TB, base, id string) (bool, error) {
	tb.Helper()
	var c struct {
		Online bool `json:"online"`
	}
	if code := apiAt(tb, base, "GET", "/api/chargers/"+id, "", &c); code != http.StatusOK {
		return false, fmt.Errorf("GET /api/chargers/%s: %d", id, code)
	}
	return c.Online, nil
}

// TestKilledInstancesSocketsGoOffline: after kill -9 no disconnect was
// stored; the restarted instance marks the sockets of its earlier run
// offline, and a charger that reconnects is online again.
func TestKilledInstancesSocketsGoOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a server process")
	}
	dir := t.TempDir()
	p := startProc(t, dir)
	gone := dial(t, "ws://"+p.charger+"/chargers/gone", nil)
	back := dial(t, "ws://"+p.charger+"/chargers/back", nil)
	sendSoCAcked(t, gone, "g1", "40")
	sendSoCAcked(t, back, "b1", "40")
	base := "http://" + p.http
	testkit.CheckFor(t, 5*time.Second, func() error { // acknowledged, then folded
		for _, id := range []string{"gone", "back"} {
			if on, err := chargerOnline(t, base, id); err != nil || !on {
				return fmt.Errorf("%s before the kill: online %v, %v", id, on, err)
			}
		}
		return nil
	})
	p.kill9(t)

	p = startProc(t, dir)
	base = "http://" + p.http
	back = dial(t, "ws://"+p.charger+"/chargers/back", nil)
	sendSoCAcked(t, back, "b2", "50")
	testkit.CheckFor(t, 15*time.Second, func() error {
		if on, err := chargerOnline(t, base, "gone"); err != nil || on {
			return fmt.Errorf("gone: online %v, %v; want offline", on, err)
		}
		return nil
	})
	testkit.HoldsFor(t, time.Second, func() error {
		if on, err := chargerOnline(t, base, "back"); err != nil || !on {
			return fmt.Errorf("back: online %v, %v; want online", on, err)
		}
		return nil
	})
}
