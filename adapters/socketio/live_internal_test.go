package socketio

import (
	"fmt"
	"testing"
	"time"
)

// TestTakeLost: a reconnect gets back what its socket subscribed to within
// lostSessionTTL, not after, and either way the entry is gone.
func TestTakeLost(t *testing.T) {
	now := time.Date(2026, 7, 4, 18, 0, 0, 0, time.UTC)
	s := &Server{now: func() time.Time { return now }, lost: map[string]lostSession{
		"fresh": {subs: map[string]bool{"c1": true}, at: now.Add(-lostSessionTTL)},
		"stale": {all: true, at: now.Add(-lostSessionTTL - time.Second)},
	}}
	if l, ok := s.takeLost("fresh"); !ok || !l.subs["c1"] {
		t.Errorf("a subscription lost %s ago: got %+v, %v; want it back", lostSessionTTL, l, ok)
	}
	if l, ok := s.takeLost("stale"); ok {
		t.Errorf("a subscription lost over %s ago came back: %+v", lostSessionTTL, l)
	}
	if _, ok := s.takeLost(""); ok {
		t.Error("a socket without a private id got a subscription")
	}
	if len(s.lost) != 0 {
		t.Errorf("entries left after their reconnect: %v", s.lost)
	}
}

// TestSubscribedWith: a charger already subscribed, or named twice, counts
// once against the per-socket limit.
func TestSubscribedWith(t *testing.T) {
	full := map[string]bool{}
	for i := range maxSubs {
		full[fmt.Sprintf("c%d", i)] = true
	}
	for _, tc := range []struct {
		name string
		subs map[string]bool
		ids  []string
		want int
	}{
		{"none", map[string]bool{}, nil, 0},
		{"new ones", map[string]bool{"c1": true}, []string{"c2", "c3"}, 3},
		{"again", map[string]bool{"c1": true}, []string{"c1"}, 1},
		{"twice in one request", map[string]bool{}, []string{"c2", "c2"}, 1},
		{"at the limit, again", full, []string{"c0"}, maxSubs},
		{"at the limit, one more", full, []string{"c0", "new"}, maxSubs + 1},
	} {
		if got := subscribedWith(tc.subs, tc.ids); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}
