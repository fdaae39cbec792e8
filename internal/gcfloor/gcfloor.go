package gcfloor

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// Floor adjusts the collector after each cycle until Stop.
type Floor struct {
	floor   func() uint64
	percent int // GOGC's percentage, which the floor never goes below
	stopped atomic.Bool
	mu      sync.Mutex // serialises adjust and Stop
	samples []metrics.Sample
	set     int // the percentage last set
}

// Metrics the runtime's heap goal is computed from:
// goal = live + (live + stacks + globals) × GOGC/100.
var names = []string{"/gc/heap/live:bytes", "/gc/scan/stack:bytes", "/gc/scan/globals:bytes"}

// Start keeps the heap goal at least floor() bytes until Stop, above the
// goal of GOGC's current percentage; floor is asked after each cycle (on
// the runtime's cleanup goroutine), so it may follow the load. Start does
// nothing (and returns a Floor whose Stop does nothing) when floor is nil
// or the collector is off (GOGC=off).
func Start(floor func() uint64) *Floor {
	gogc := []metrics.Sample{{Name: "/gc/gogc:percent"}} // read, not set and set back
	metrics.Read(gogc)
	percent := int(int64(gogc[0].Value.Uint64())) // GOGC=off reads as -1
	f := &Floor{floor: floor, percent: percent, set: percent}
	if floor == nil || percent < 0 {
		f.stopped.Store(true)
		return f
	}
	f.samples = make([]metrics.Sample, len(names))
	for i, n := range names {
		f.samples[i].Name = n
	}
	f.adjust()
	f.arm()
	return f
}

// sentinel is what the collector frees once a cycle: its cleanup adjusts
// the percentage and arms a new one. (A pointer keeps it out of the tiny
// allocator, whose blocks are freed late.)
type sentinel struct {
	_ *int
	_ [8]byte
}

func (f *Floor) arm() {
	runtime.AddCleanup(&sentinel{}, func(f *Floor) {
		if f.stopped.Load() {
			return
		}
		f.adjust()
		f.arm()
	}, f)
}

// adjust sets the percentage for the goal after the last cycle.
func (f *Floor) adjust() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped.Load() {
		return
	}
	metrics.Read(f.samples)
	live := f.samples[0].Value.Uint64()
	roots := live + f.samples[1].Value.Uint64() + f.samples[2].Value.Uint64()
	p := Percent(f.floor(), live, roots, f.percent)
	if p != f.set {
		debug.SetGCPercent(p)
		f.set = p
	}
}

// Stop puts GOGC's percentage back and adjusts no more.
func (f *Floor) Stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped.Swap(true) {
		return
	}
	if f.set != f.percent {
		debug.SetGCPercent(f.percent)
	}
}

// heapMinimum is the runtime's smallest heap goal at GOGC=100; it scales
// with the percentage (4 MiB × GOGC/100), so a percentage over
// floor×100/heapMinimum would raise the goal past the floor.
const heapMinimum = 4 << 20

// Percent is the GOGC percentage whose goal, live + roots × percent/100,
// reaches floor (and whose heap minimum does not pass it), and at least
// base.
func Percent(floor, live, roots uint64, base int) int {
	if live >= floor || roots == 0 || floor < heapMinimum {
		return base
	}
	p := math.Ceil(float64(floor-live) * 100 / float64(roots))
	p = min(p, math.Floor(float64(floor)*100/heapMinimum))
	return max(int(p), base)
}
