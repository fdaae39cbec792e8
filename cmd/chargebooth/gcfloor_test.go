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
	if got := m.Config.GCPerSocket; got != 20<<10 {
		t.Fatalf("--gc-heap-per-socket default %d, want 20 KiB", got)
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

// The floor follows the open sockets: 20 KiB for each.
func TestGCFloorCountsSockets(t *testing.T) {
	m := startMain(t, t.TempDir())
	floor := m.gcFloor()
	if got := floor(); got != 0 {
		t.Fatalf("floor %d with no socket open, want 0", got)
	}
	dialCharger(t, m, "c1")
	dialWidget(t, m, "w1")
	testkit.CheckFor(t, 5*time.Second, func() error {
		if got := floor(); got != 2*20<<10 {
			return fmt.Errorf("floor %d with a charger and a widget open, want 40 KiB", got)
		}
		return nil
	})
}
