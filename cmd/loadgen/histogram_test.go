package main

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketBounds(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	values := []uint64{0, 1, 127, 128, 129, 255, 256, 1000, 1 << 20, 1<<40 + 12345, 1<<63 - 1}
	for range 1000 {
		values = append(values, r.Uint64N(1<<40))
	}
	for _, v := range values {
		i := bucketOf(v)
		if i < 0 || i >= nBuckets {
			t.Fatalf("bucketOf(%d) = %d, outside [0, %d)", v, i, nBuckets)
		}
		if hi := bucketHigh(i); hi < v {
			t.Errorf("bucketHigh(bucketOf(%d)) = %d, want >= %d", v, hi, v)
		}
		if i > 0 {
			if below := bucketHigh(i - 1); below >= v {
				t.Errorf("bucketHigh(bucketOf(%d) - 1) = %d, want < %d", v, below, v)
			}
		}
	}
}

func TestHistogramQuantiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		samples []time.Duration
	}{
		{name: "one", samples: []time.Duration{3 * time.Millisecond}},
		{name: "linear", samples: durations(10000, func(i int) time.Duration { return time.Duration(i+1) * time.Microsecond })},
		{name: "long tail", samples: durations(5000, func(i int) time.Duration {
			if i%100 == 0 {
				return 40 * time.Millisecond
			}
			return 500*time.Microsecond + time.Duration(i)
		})},
		{name: "tiny", samples: durations(100, func(i int) time.Duration { return time.Duration(i) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var h histogram
			for _, d := range tt.samples {
				h.record(d)
			}
			sorted := slices.Sorted(slices.Values(tt.samples))
			for _, q := range []float64{0.5, 0.95, 0.99, 1} {
				rank := max(int(float64(len(sorted))*q+0.999999), 1)
				want := sorted[rank-1]
				got := h.quantile(q)
				if got < want || float64(got-want) > float64(want)/64+1 {
					t.Errorf("quantile(%v) = %v, want %v (within 1/64)", q, got, want)
				}
			}
			if got, want := h.count(), uint64(len(tt.samples)); got != want {
				t.Errorf("count = %d, want %d", got, want)
			}
		})
	}
}

func TestHistogramEmpty(t *testing.T) {
	t.Parallel()
	var h histogram
	if got := h.quantile(0.99); got != 0 {
		t.Errorf("quantile of empty = %v, want 0", got)
	}
	if got := h.mean(); got != 0 {
		t.Errorf("mean of empty = %v, want 0", got)
	}
}

// durations returns n durations made by f.
func durations(n int, f func(int) time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}
