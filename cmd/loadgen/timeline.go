package main

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// timelineSlots bounds the seconds a timeline keeps (an hour).
const timelineSlots = 3600

// slowLatency is the latency from which a timeline counts a delivery as
// slow: issue 18's bound on the 8,000-pair p99.
const slowLatency = 20 * time.Millisecond

// timeline counts the readings delivered in each second of the load phase,
// and how many of them took slowLatency or longer, and keeps the worst
// latency among them, so a stall shows as the second it happened in (and
// how much of a tail percentile it makes) rather than only as the
// percentile.
type timeline struct {
	count [timelineSlots]atomic.Uint64
	slow  [timelineSlots]atomic.Uint64
	worst [timelineSlots]atomic.Int64
}

// record notes one delivery at run time at (since the load began) with
// latency d; one beyond the last slot counts in it.
func (t *timeline) record(at int64, d time.Duration) {
	i := min(max(at, 0)/int64(time.Second), timelineSlots-1)
	t.count[i].Add(1)
	if d >= slowLatency {
		t.slow[i].Add(1)
	}
	for {
		m := t.worst[i].Load()
		if int64(d) <= m || t.worst[i].CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// write prints one line per second up to secs: the second, the readings
// delivered in it, how many of them were slow and the worst latency.
func (t *timeline) write(w io.Writer, secs int) {
	fmt.Fprintln(w, "second  delivered  ≥20 ms  worst ms")
	for i := range min(secs, timelineSlots) {
		fmt.Fprintf(w, "%6d  %9d  %6d  %8.2f\n", i, t.count[i].Load(), t.slow[i].Load(), float64(t.worst[i].Load())/1e6)
	}
}
