// Package deadline gives a context a deadline without arming a timer
// until somebody waits for it.
//
// context.WithTimeout allocates a cancelable context and a runtime timer,
// registers both with the parent and removes them again when the work
// is done: at 8,000 readings a second about a tenth of what the server
// allocated per reading, for a deadline that the store's publish only
// reads (Deadline, Err) and never waits on. A Context from With answers
// Deadline, Err and Value by itself and makes the context.WithDeadline it
// stands for only when Done is first asked for (by a select, a child
// context, context.AfterFunc), so whatever waits still wakes at the
// deadline.
package deadline

import (
	"context"
	"sync"
	"time"
)

// ctx is a parent with a deadline, armed lazily.
type ctx struct {
	context.Context // the parent
	at              time.Time

	mu     sync.Mutex
	armed  context.Context // context.WithDeadline(parent, at) once Done was asked for
	cancel context.CancelFunc
	done   bool // cancel was called
}

// With returns a copy of parent whose Deadline is at (or the parent's,
// when that is earlier), and a cancel that releases it; like
// context.WithDeadline, Err is context.DeadlineExceeded once at passed,
// context.Canceled after cancel, and the parent's error once it ended.
func With(parent context.Context, at time.Time) (context.Context, context.CancelFunc) {
	if pd, ok := parent.Deadline(); ok && !pd.After(at) {
		// The parent ends first: nothing to add but a cancel.
		return context.WithCancel(parent)
	}
	c := &ctx{Context: parent, at: at}
	return c, c.stop
}

// Timeout is With(parent, time.Now().Add(d)).
func Timeout(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return With(parent, time.Now().Add(d))
}

func (c *ctx) Deadline() (time.Time, bool) { return c.at, true }

// Done arms the deadline: from now on it is context.WithDeadline's.
func (c *ctx) Done() <-chan struct{} { return c.arm().Done() }

func (c *ctx) Err() error {
	c.mu.Lock()
	armed, done := c.armed, c.done
	c.mu.Unlock()
	switch {
	case armed != nil:
		return armed.Err()
	case done:
		return context.Canceled
	}
	if err := c.Context.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.at) {
		return context.DeadlineExceeded
	}
	return nil
}

// Value is the parent's (the armed context's once Done was asked for):
// looking up a value, as every actor stamp does, arms nothing. Until
// then context.Cause reports the parent's cause; Err is always right.
func (c *ctx) Value(key any) any {
	c.mu.Lock()
	armed := c.armed
	c.mu.Unlock()
	if armed != nil {
		return armed.Value(key)
	}
	return c.Context.Value(key)
}

// arm makes the context.WithDeadline that c stands for, once.
func (c *ctx) arm() context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.armed == nil {
		c.armed, c.cancel = context.WithDeadline(c.Context, c.at)
		if c.done {
			c.cancel()
		}
	}
	return c.armed
}

// stop is the cancel With returns.
func (c *ctx) stop() {
	c.mu.Lock()
	c.done = true
	cancel := c.cancel
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

func (c *ctx) String() string { return "deadline.With(" + c.at.String() + ")" }
