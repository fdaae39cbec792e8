package main

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// The histogram keeps values below linearMax exactly and above it in 64
// buckets per power of two, so a quantile is off by at most 1/64 (1.6 %).
const (
	subBits   = 6
	subCount  = 1 << subBits // buckets per power of two
	linearMax = 2 * subCount // values below are counted one by one
	nBuckets  = linearMax + (64-subBits-1)*subCount
)

// histogram is a lock-free, log-linear histogram of durations in
// nanoseconds. Its size is fixed (about 30 KiB) whatever the number of
// samples; any goroutine may record into it.
type histogram struct {
	counts [nBuckets]atomic.Uint64
	total  atomic.Uint64
	sum    atomic.Uint64
	max    atomic.Int64
}

// bucketOf returns the bucket that counts v (v >= 0).
func bucketOf(v uint64) int {
	if v < linearMax {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1
	return linearMax + (shift-1)*subCount + int(v>>shift) - subCount
}

// bucketHigh returns the largest value bucket i counts.
func bucketHigh(i int) uint64 {
	if i < linearMax {
		return uint64(i)
	}
	shift := (i-linearMax)/subCount + 1
	mantissa := uint64((i-linearMax)%subCount + subCount)
	return (mantissa+1)<<shift - 1
}

// record adds one duration.
func (h *histogram) record(d time.Duration) {
	v := max(int64(d), 0)
	h.counts[bucketOf(uint64(v))].Add(1)
	h.total.Add(1)
	h.sum.Add(uint64(v))
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

// count returns the number of recorded durations.
func (h *histogram) count() uint64 { return h.total.Load() }

// quantile returns the duration at or below which a fraction q (0 < q ≤ 1)
// of the recorded durations lie, rounded up to its bucket and never above
// the largest recorded one. It returns 0 for an empty histogram.
func (h *histogram) quantile(q float64) time.Duration {
	total := h.total.Load()
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(total)))
	rank = min(max(rank, 1), total)
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return min(time.Duration(bucketHigh(i)), time.Duration(h.max.Load()))
		}
	}
	return time.Duration(h.max.Load())
}

// mean returns the average recorded duration, 0 for none.
func (h *histogram) mean() time.Duration {
	total := h.total.Load()
	if total == 0 {
		return 0
	}
	return time.Duration(h.sum.Load() / total)
}
