package main

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// timelineSlots bounds the seconds a timeline keeps (an hour).
const timelineSlots = 3600

// timeline counts the readings delivered in each second of the load phase
// and keeps the worst latency among them, so a stall shows as the second
// it happened in rather than only as a tail percentile.
type timeline struct {
	count [timelineSlots]atomic.Uint64
	worst [timelineSlots]atomic.Int64
}

// record notes one delivery at run time at (since the load began) with
// latency d; one beyond the last slot counts in it.
func (t *timeline) record(at int64, d time.Duration) {
	i := min(max(at, 0)/int64(time.Second), timelineSlots-1)
	t.count[i].Add(1)
	for {
		m := t.worst[i].Load()
		if int64(d) <= m || t.worst[i].CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// write prints one line per second up to secs: the second, the readings
// delivered in it and the worst latency.
func (t *timeline) write(w io.Writer, secs int) {
	fmt.Fprintln(w, "second  delivered  worst ms")
	for i := range min(secs, timelineSlots) {
		fmt.Fprintf(w, "%6d  %9d  %8.2f\n", i, t.count[i].Load(), float64(t.worst[i].Load())/1e6)
	}
}
