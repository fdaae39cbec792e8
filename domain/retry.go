package domain

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// RetryPolicy bounds the retries of a store write that found the store
// unavailable.
type RetryPolicy struct {
	Budget  time.Duration // all attempts and waits together
	Attempt time.Duration // one attempt; a slower one is cut and retried
	First   time.Duration // the first wait between attempts; each next one doubles
	Max     time.Duration // the longest wait between attempts
}

// StoreRetry is the policy for writes that are worth a few seconds'
// patience, such as presence: a NATS cluster electing a leader answers "no
// responders" for a moment.
var StoreRetry = RetryPolicy{Budget: 10 * time.Second, Attempt: 2 * time.Second, First: 100 * time.Millisecond, Max: time.Second}

// After returns a channel that receives once d has passed (time.After).
// It is how Retry waits without reading a clock itself.
type After func(d time.Duration) <-chan time.Time

var (
	errAttemptTimeout = errors.New("attempt timed out")
	errBudget         = errors.New("retry budget spent")
)

// Retry calls f until it returns nil or an error that is not
// ErrUnavailable, waiting between attempts (First, doubling up to Max). An
// attempt longer than p.Attempt is cut (its context is cancelled) and
// counts as unavailable. Once p.Budget has passed it stops and returns the
// last error, wrapping ErrUnavailable.
//
// ctx says how long retrying is wanted (a server's lifetime): once it has
// ended no further attempt starts, but the attempt in flight is not cut,
// so a write started while a server shuts down still gets its one bounded
// attempt. f must be safe to repeat (an append with a fixed event id, or a
// decision that re-reads).
func Retry(ctx context.Context, p RetryPolicy, after After, f func(context.Context) error) error {
	actx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancel(nil)
	budget := after(p.Budget)
	go func() {
		select {
		case <-budget:
			cancel(errBudget)
		case <-actx.Done():
		}
	}()
	wait := p.First
	for {
		timedOut, err := attempt(actx, p.Attempt, after, f)
		if err == nil {
			return nil
		}
		if !timedOut && !errors.Is(err, ErrUnavailable) && actx.Err() == nil {
			return err
		}
		if actx.Err() == nil && ctx.Err() == nil {
			select {
			case <-after(wait):
				wait = min(2*wait, p.Max)
				continue
			case <-actx.Done():
			case <-ctx.Done():
			}
		}
		if !errors.Is(err, ErrUnavailable) {
			err = fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return err
	}
}

// attempt runs f once, cut after d; timedOut tells that it was cut.
func attempt(ctx context.Context, d time.Duration, after After, f func(context.Context) error) (timedOut bool, err error) {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done := make(chan struct{})
	defer close(done)
	timer := after(d)
	go func() {
		select {
		case <-timer:
			cancel(errAttemptTimeout)
		case <-done:
		}
	}()
	err = f(actx)
	return err != nil && errors.Is(context.Cause(actx), errAttemptTimeout), err
}
