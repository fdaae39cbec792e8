package gcfloor_test

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/gcfloor"
	"github.com/chargebooth/chargebooth/internal/testkit"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name               string
		floor, live, roots uint64
		base, want         int
	}{
		{"small heap: the floor's percentage", 256 * mib, 20 * mib, 40 * mib, 100, 590},
		{"rounded up", 100 * mib, 10 * mib, 7 * mib, 100, 1286},
		{"the floor below GOGC's goal: GOGC", 256 * mib, 100 * mib, 200 * mib, 100, 100},
		{"live heap over the floor: GOGC", 64 * mib, 100 * mib, 120 * mib, 100, 100},
		{"a higher GOGC stays", 256 * mib, 20 * mib, 40 * mib, 800, 800},
		{"a nearly empty heap: the heap minimum stays under the floor", 96 * mib, 0, 200 << 10, 100, 2400},
		{"no roots: GOGC", 256 * mib, 0, 0, 100, 100},
		{"no floor: GOGC", 0, 10 * mib, 20 * mib, 100, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := gcfloor.Percent(tc.floor, tc.live, tc.roots, tc.base); got != tc.want {
				t.Fatalf("Percent(%d, %d, %d, %d) = %d, want %d", tc.floor, tc.live, tc.roots, tc.base, got, tc.want)
			}
		})
	}
}

// waitGoal waits until the runtime's heap goal is at least min bytes.
func waitGoal(t *testing.T, min uint64) {
	t.Helper()
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	testkit.CheckFor(t, 5*time.Second, func() error {
		metrics.Read(s)
		if g := s[0].Value.Uint64(); g < min {
			return fmt.Errorf("heap goal %d, want at least %d", g, min)
		}
		return nil
	})
}

// bytes is a fixed floor.
func bytes(n uint64) func() uint64 { return func() uint64 { return n } }

var sink []byte

// cycles counts the collections while 256 MiB of garbage is allocated
// beside a small live heap.
func cycles() uint32 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 4096 {
		sink = make([]byte, 64<<10)
	}
	sink = nil
	runtime.ReadMemStats(&after)
	return after.NumGC - before.NumGC
}

func TestFloorSparesCollectionsOfASmallHeap(t *testing.T) {
	var floor atomic.Uint64 // 0 at first: no floor
	f := gcfloor.Start(floor.Load)
	runtime.GC()
	without := cycles()
	floor.Store(96 << 20) // taken at the next cycle's end
	runtime.GC()
	waitGoal(t, 96<<20) // the cleanup that adjusts runs after the cycle
	with := cycles()
	f.Stop()
	again := cycles()
	t.Logf("collections while 256 MiB were allocated: %d without a floor, %d with a 96 MiB floor, %d after Stop", without, with, again)
	if without < 16 {
		t.Fatalf("%d collections without a floor, want many (GOGC's goal for a small heap is a few MiB): the test measures nothing", without)
	}
	if with > 8 {
		t.Fatalf("%d collections with a 96 MiB floor, want about 256/96", with)
	}
	if again < 16 {
		t.Fatalf("%d collections after Stop, want GOGC's many again", again)
	}
}

func TestStopPutsGOGCBack(t *testing.T) {
	old := debug.SetGCPercent(150)
	defer debug.SetGCPercent(old)
	f := gcfloor.Start(bytes(1 << 30))
	runtime.GC()
	if p := debug.SetGCPercent(150); p <= 150 {
		t.Fatalf("percentage %d with a 1 GiB floor over a small heap, want more than GOGC's 150", p)
	}
	f.Stop()
	f.Stop() // twice is fine
	runtime.GC()
	if p := debug.SetGCPercent(150); p != 150 {
		t.Fatalf("percentage %d after Stop, want GOGC's 150", p)
	}
}

func TestNoFloorChangesNothing(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	f := gcfloor.Start(nil)
	runtime.GC()
	if p := debug.SetGCPercent(100); p != 100 {
		t.Fatalf("percentage %d with no floor, want 100", p)
	}
	f.Stop()
	debug.SetGCPercent(-1)
	f = gcfloor.Start(bytes(1 << 30)) // the collector off: left off
	runtime.GC()
	if p := debug.SetGCPercent(-1); p != -1 {
		t.Fatalf("percentage %d with GOGC=off, want it left off", p)
	}
	f.Stop()
}
