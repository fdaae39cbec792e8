package testkit_test

import (
	"errors"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/testkit"
)

func TestPoll(t *testing.T) {
	n := 0
	err := testkit.Poll(time.Second, time.Millisecond, func() error {
		if n++; n < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	if err != nil || n != 3 {
		t.Fatalf("got %v after %d calls, want nil after 3", err, n)
	}
	err = testkit.Poll(20*time.Millisecond, time.Millisecond, func() error { return errors.New("never") })
	if err == nil || err.Error() != "never" {
		t.Fatalf("got %v, want the last error", err)
	}
}

func TestHoldsFor(t *testing.T) {
	calls := 0
	testkit.HoldsFor(t, 60*time.Millisecond, func() error { calls++; return nil })
	if calls < 2 {
		t.Fatalf("checked %d times, want at least 2", calls)
	}
}

func TestClock(t *testing.T) {
	t0 := time.Date(2026, 7, 4, 20, 0, 0, 0, time.UTC)
	c := testkit.NewClock(t0)
	c.Advance(time.Minute)
	if got, want := c.Now(), t0.Add(time.Minute); !got.Equal(want) {
		t.Fatalf("after Advance: got %v, want %v", got, want)
	}
	c.Set(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("after Set: got %v, want %v", got, t0)
	}
}
