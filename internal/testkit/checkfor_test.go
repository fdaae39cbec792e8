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
