package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/testkit"
)

func TestGCHeapPerSocketFlag(t *testing.T) {
	m := &Main{}
	if err := m.ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	if got := m.Config.GCPerSocket; got != 12<<10 {
		t.Fatalf("--gc-heap-per-socket default %d, want 12 KiB", got)
	}
	if m.gcFloor() == nil {
		t.Fatal("no floor by default")
	}
	m = &Main{}
	if err := m.ParseFlags([]string{"--gc-heap-per-socket", "64KiB"}); err != nil || m.Config.GCPerSocket != 64<<10 {
		t.Fatalf("--gc-heap-per-socket 64KiB: %d, %v", m.Config.GCPerSocket, err)
	}
	m = &Main{}
	if err := m.ParseFlags([]string{"--gc-heap-per-socket", "0"}); err != nil || m.gcFloor() != nil {
		t.Fatalf("--gc-heap-per-socket 0: %v; want no floor", err)
	}
}

// The floor follows the open sockets: 12 KiB for each.
func TestGCFloorCountsSockets(t *testing.T) {
	m := startMain(t, t.TempDir())
	floor := m.gcFloor()
	if got := floor(); got != 0 {
		t.Fatalf("floor %d with no socket open, want 0", got)
	}
	dialCharger(t, m, "c1")
	dialWidget(t, m, "w1")
	testkit.CheckFor(t, 5*time.Second, func() error {
		if got := floor(); got != 2*12<<10 {
			return fmt.Errorf("floor %d with a charger and a widget open, want 24 KiB", got)
		}
		return nil
	})
}

// serve sets GOGC to defaultGOGC unless the environment sets it.
func TestGCPercent(t *testing.T) {
	for _, tc := range []struct {
		env     string
		percent int
		set     bool
	}{{"", defaultGOGC, true}, {"100", 0, false}, {"off", 0, false}} {
		got, set := gcPercent(func(k string) string {
			if k == "GOGC" {
				return tc.env
			}
			return ""
		})
		if got != tc.percent || set != tc.set {
			t.Errorf("GOGC=%q: got %d, %v; want %d, %v", tc.env, got, set, tc.percent, tc.set)
		}
	}
	if defaultGOGC != 75 {
		t.Errorf("defaultGOGC %d, want 75", defaultGOGC)
	}
}
