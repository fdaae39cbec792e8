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

// waitGoal waits until the runtime's heap goal is at least min bytes. The
// floor adjusts on the cleanup goroutine after a cycle, from that cycle's
// figures; a cleanup that runs late, during the next cycle, sets a
// percentage from the previous cycle's figures and arms a sentinel the
// running cycle does not free, so the goal can stay short until another
// cycle: one is run while the goal is short.
func waitGoal(t *testing.T, min uint64) {
	t.Helper()
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	testkit.CheckFor(t, 5*time.Second, func() error {
		metrics.Read(s)
		if g := s[0].Value.Uint64(); g < min {
			runtime.GC()
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

// goal is the runtime's heap goal after a full collection.
func goal() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestFloorSparesCollectionsOfASmallHeap checks the goal GOGC sets for a
// small heap, the floor's, and GOGC's again after Stop, and that the
// floor's goal spares collections. (Counting collections without a floor
// would depend on the machine's load: a cycle whose worker waits for a CPU
// lets the allocations run past its goal.)
func TestFloorSparesCollectionsOfASmallHeap(t *testing.T) {
	const small = 32 << 20  // GOGC's goal for this test's heap is a few MiB
	var floor atomic.Uint64 // 0 at first: no floor
	f := gcfloor.Start(floor.Load)
	defer f.Stop()
	if g := goal(); g >= small {
		t.Fatalf("heap goal %d without a floor, want under %d: the test measures nothing", g, small)
	}
	floor.Store(96 << 20) // taken at the next cycle's end
	runtime.GC()
	waitGoal(t, 96<<20) // the cleanup that adjusts runs after the cycle
	with := cycles()
	t.Logf("collections while 256 MiB were allocated with a 96 MiB floor: %d", with)
	if with > 8 {
		t.Fatalf("%d collections with a 96 MiB floor, want about 256/96", with)
	}
	f.Stop()
	if g := goal(); g >= small {
		t.Fatalf("heap goal %d after Stop, want GOGC's, under %d", g, small)
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
