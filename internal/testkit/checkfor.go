package testkit

import (
	"testing"
	"time"
)

// Every is how often CheckFor and HoldsFor look again.
const Every = 10 * time.Millisecond

// CheckFor polls f until it returns nil, failing the test with f's last
// error when timeout passes first.
func CheckFor(tb testing.TB, timeout time.Duration, f func() error) {
	tb.Helper()
	if err := Poll(timeout, Every, f); err != nil {
		tb.Fatalf("not within %s: %v", timeout, err)
	}
}

// Poll calls f every interval until it returns nil or timeout passes, and
// returns f's last error (nil once it held). For tests that must not fail
// at once, or that poll from a goroutine other than the test's.
func Poll(timeout, every time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		err := f()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		<-t.C
	}
}

// HoldsFor checks f for d and fails the test as soon as it returns an
// error: it shows that nothing happens over a few timer ticks.
func HoldsFor(tb testing.TB, d time.Duration, f func() error) {
	tb.Helper()
	deadline := time.Now().Add(d)
	t := time.NewTicker(5 * Every)
	defer t.Stop()
	for {
		if err := f(); err != nil {
			tb.Fatalf("stopped holding after %s: %v", d-time.Until(deadline), err)
		}
		if time.Now().After(deadline) {
			return
		}
		<-t.C
	}
}
