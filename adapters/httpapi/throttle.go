package httpapi

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Throttle defaults: 10 failed credentials from one address, then one
// more every 2 s; at most 10,000 addresses remembered.
const (
	defaultFailBurst = 10
	defaultFailEvery = 2 * time.Second
	maxThrottled     = 10000
)

// throttle counts failed credentials (wrong tokens, wrong PINs, unknown
// session cookies) per source address in a token bucket: an address whose
// bucket is empty is refused before its credential is even checked, so a
// guesser learns nothing, while other addresses are unaffected. Buckets
// that are full again (idle) are evicted when the table is full, so memory
// stays bounded.
type throttle struct {
	burst int
	every time.Duration
	max   int // addresses remembered at most

	mu      sync.Mutex // guards buckets
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time // last failure
}

func newThrottle(burst int, every time.Duration) *throttle {
	if burst <= 0 {
		burst = defaultFailBurst
	}
	if every <= 0 {
		every = defaultFailEvery
	}
	return &throttle{burst: burst, every: every, max: maxThrottled, buckets: map[string]*bucket{}}
}

// wait returns how long addr must wait before its next attempt (0: it
// may try now).
func (t *throttle) wait(addr string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buckets[addr]
	if b == nil {
		return 0
	}
	tok := b.lim.TokensAt(now)
	if tok >= 1 {
		return 0
	}
	return time.Duration((1 - tok) * float64(t.every))
}

// fail counts a failed attempt of addr.
func (t *throttle) fail(addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buckets[addr]
	if b == nil {
		if len(t.buckets) >= t.max {
			t.evict(now)
		}
		b = &bucket{lim: rate.NewLimiter(rate.Every(t.every), t.burst)}
		t.buckets[addr] = b
	}
	b.lim.AllowN(now, 1)
	b.last = now
}

// evict drops the buckets that have refilled (idle for burst × every);
// when none has, the one idle longest.
func (t *throttle) evict(now time.Time) {
	idle := time.Duration(t.burst) * t.every
	var oldest string
	for a, b := range t.buckets {
		if now.Sub(b.last) >= idle {
			delete(t.buckets, a)
			continue
		}
		if oldest == "" || b.last.Before(t.buckets[oldest].last) {
			oldest = a
		}
	}
	if len(t.buckets) >= t.max && oldest != "" {
		delete(t.buckets, oldest)
	}
}

// size returns how many addresses are remembered.
func (t *throttle) size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.buckets)
}

// clientAddr is the address a request is throttled by: the host of
// RemoteAddr, or, behind a trusted proxy (TrustForwardedProto), the last
// address of X-Forwarded-For (the one the proxy itself added).
func clientAddr(r *http.Request, trustForwarded bool) string {
	if trustForwarded {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if a := strings.TrimSpace(parts[len(parts)-1]); a != "" {
				return a
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
