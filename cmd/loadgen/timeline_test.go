package main

import (
	"strings"
	"testing"
	"time"
)

// TestTimeline: each delivery counts in the second of the load it came in
// (one before the load in the first, one past the last slot in the last),
// each second keeps its worst latency, and write prints one line a second.
func TestTimeline(t *testing.T) {
	var tl timeline
	tl.record(int64(100*time.Millisecond), 3*time.Millisecond)
	tl.record(int64(900*time.Millisecond), 7*time.Millisecond)
	tl.record(int64(950*time.Millisecond), 20*time.Millisecond)
	tl.record(-int64(time.Second), time.Millisecond)
	tl.record(int64(2500*time.Millisecond), 42*time.Millisecond)
	tl.record(int64(2*time.Hour), 5*time.Millisecond)
	for _, c := range []struct {
		sec   int
		count uint64
		slow  uint64
		worst time.Duration
	}{{0, 4, 1, 20 * time.Millisecond}, {1, 0, 0, 0}, {2, 1, 1, 42 * time.Millisecond}, {timelineSlots - 1, 1, 0, 5 * time.Millisecond}} {
		got, slow, worst := tl.count[c.sec].Load(), tl.slow[c.sec].Load(), time.Duration(tl.worst[c.sec].Load())
		if got != c.count || slow != c.slow || worst != c.worst {
			t.Errorf("second %d: %d deliveries, %d slow, worst %s; want %d, %d, %s", c.sec, got, slow, worst, c.count, c.slow, c.worst)
		}
	}
	var b strings.Builder
	tl.write(&b, 3)
	want := "second  delivered  ≥20 ms  worst ms\n" +
		"     0          4       1     20.00\n" +
		"     1          0       0      0.00\n" +
		"     2          1       1     42.00\n"
	if b.String() != want {
		t.Errorf("write:\n%s\nwant:\n%s", b.String(), want)
	}
}
