package domain_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// retryPolicy has distinct durations so that fakeAfter tells its timers
// apart.
var retryPolicy = domain.RetryPolicy{Budget: 10 * time.Second, Attempt: 2 * time.Second, First: 100 * time.Millisecond, Max: 400 * time.Millisecond}

// fakeAfter is an After under the test's control: waits between attempts
// pass at once and are recorded; the budget and attempt timers fire when
// the test says so.
type fakeAfter struct {
	mu       sync.Mutex
	waits    []time.Duration
	budget   chan time.Time
	attempts int
	cut      map[int]bool // attempt numbers (from 1) whose timer fires at once
}

func newFakeAfter(cut ...int) *fakeAfter {
	a := &fakeAfter{budget: make(chan time.Time), cut: map[int]bool{}}
	for _, n := range cut {
		a.cut[n] = true
	}
	return a
}

func (a *fakeAfter) after(d time.Duration) <-chan time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch d {
	case retryPolicy.Budget:
		return a.budget
	case retryPolicy.Attempt:
		a.attempts++
		if a.cut[a.attempts] {
			return fired()
		}
		return nil // never
	}
	a.waits = append(a.waits, d)
	return fired()
}

func (a *fakeAfter) spendBudget() { close(a.budget) }

func fired() <-chan time.Time {
	c := make(chan time.Time, 1)
	c <- time.Time{}
	return c
}

func unavailable(n int) error {
	return fmt.Errorf("append charger.connected: %w: nats: no responders available for request (%d)", domain.ErrUnavailable, n)
}

func TestRetry(t *testing.T) {
	errBoom := errors.New("boom")
	ms := time.Millisecond
	tests := []struct {
		name string
		cut  []int // attempts whose timer fires
		// canceled ends the caller's context before Retry is called.
		canceled bool
		// f answers attempt n (from 1); spend spends the budget; cancel
		// cancels the caller's context.
		f         func(ctx context.Context, n int, spend, cancel func()) error
		wantCalls int
		wantWaits []time.Duration
		wantErr   error // errors.Is target; nil means success
	}{
		{
			name:      "stored at once",
			f:         func(context.Context, int, func(), func()) error { return nil },
			wantCalls: 1,
		},
		{
			name: "unavailable, then stored",
			f: func(_ context.Context, n int, _, _ func()) error {
				if n < 3 {
					return unavailable(n)
				}
				return nil
			},
			wantCalls: 3,
			wantWaits: []time.Duration{100 * ms, 200 * ms},
		},
		{
			name: "waits double up to the longest",
			f: func(_ context.Context, n int, _, _ func()) error {
				if n < 6 {
					return unavailable(n)
				}
				return nil
			},
			wantCalls: 6,
			wantWaits: []time.Duration{100 * ms, 200 * ms, 400 * ms, 400 * ms, 400 * ms},
		},
		{
			name:      "another error is not retried",
			f:         func(context.Context, int, func(), func()) error { return errBoom },
			wantCalls: 1,
			wantErr:   errBoom,
		},
		{
			name:      "a full store is not retried",
			f:         func(context.Context, int, func(), func()) error { return fmt.Errorf("append: %w", domain.ErrFull) },
			wantCalls: 1,
			wantErr:   domain.ErrFull,
		},
		{
			name:      "a conflict is not retried",
			f:         func(context.Context, int, func(), func()) error { return domain.ErrConflict },
			wantCalls: 1,
			wantErr:   domain.ErrConflict,
		},
		{
			name: "the budget ends the retries",
			f: func(ctx context.Context, n int, spend, _ func()) error {
				if n == 3 {
					spend()
					<-ctx.Done()
				}
				return unavailable(n)
			},
			wantCalls: 3,
			wantWaits: []time.Duration{100 * ms, 200 * ms},
			wantErr:   domain.ErrUnavailable,
		},
		{
			name: "the budget ends a slow attempt",
			f: func(ctx context.Context, n int, spend, _ func()) error {
				spend()
				<-ctx.Done()
				return ctx.Err()
			},
			wantCalls: 1,
			wantErr:   domain.ErrUnavailable,
		},
		{
			name: "a slow attempt is cut and retried",
			cut:  []int{1},
			f: func(ctx context.Context, n int, _, _ func()) error {
				if n == 1 {
					<-ctx.Done()
					return ctx.Err()
				}
				return nil
			},
			wantCalls: 2,
			wantWaits: []time.Duration{100 * ms},
		},
		{
			name: "the caller's context ends the retries, not the attempt",
			f: func(ctx context.Context, n int, _, cancel func()) error {
				if n == 2 {
					cancel()
					if ctx.Err() != nil {
						return ctx.Err()
					}
				}
				return unavailable(n)
			},
			wantCalls: 2,
			wantWaits: []time.Duration{100 * ms},
			wantErr:   domain.ErrUnavailable,
		},
		{
			name:     "an ended context still gets one attempt",
			canceled: true,
			f: func(ctx context.Context, n int, _, _ func()) error {
				return ctx.Err()
			},
			wantCalls: 1,
		},
		{
			name:     "an ended context gets no retry",
			canceled: true,
			f: func(ctx context.Context, n int, _, _ func()) error {
				return unavailable(n)
			},
			wantCalls: 1,
			wantErr:   domain.ErrUnavailable,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newFakeAfter(tt.cut...)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.canceled {
				cancel()
			}
			calls := 0
			err := domain.Retry(ctx, retryPolicy, a.after, func(ctx context.Context) error {
				calls++
				return tt.f(ctx, calls, a.spendBudget, cancel)
			})
			if tt.wantErr == nil && err != nil {
				t.Fatalf("Retry: got %v, want success", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Retry: got %v, want %v", err, tt.wantErr)
			}
			if got, want := calls, tt.wantCalls; got != want {
				t.Errorf("attempts: got %d, want %d", got, want)
			}
			a.mu.Lock()
			defer a.mu.Unlock()
			if got, want := a.waits, tt.wantWaits; !reflect.DeepEqual(got, want) && len(got)+len(want) > 0 {
				t.Errorf("waits: got %v, want %v", got, want)
			}
		})
	}
}

// TestRetryRealTimers runs the policy on time.After with short durations:
// the store comes back after a few attempts.
func TestRetryRealTimers(t *testing.T) {
	p := domain.RetryPolicy{Budget: 5 * time.Second, Attempt: time.Second, First: time.Millisecond, Max: 10 * time.Millisecond}
	calls := 0
	err := domain.Retry(context.Background(), p, time.After, func(context.Context) error {
		calls++
		if calls < 4 {
			return unavailable(calls)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Retry: %v", err)
	}
	if got, want := calls, 4; got != want {
		t.Errorf("attempts: got %d, want %d", got, want)
	}
}
