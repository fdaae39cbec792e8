package workers

import "sync/atomic"

// Starter runs functions on goroutines of their own, as a go statement
// does, but hands each to a goroutine that finished its previous function
// and waits for the next, when there is one, instead of starting a new
// goroutine. A new goroutine starts on a small stack that the work grows
// by copying it (a socket's resumed read loop, a widget's write: 5 % of the
// server's CPU at 8,000 readings/s went to copying stacks); a waiting one
// keeps the stack its last function grew (until the collector shrinks it).
// At most keep goroutines wait; one finishing beyond that ends. Go never
// waits and never refuses: a function blocked for long holds its goroutine,
// as it would after a go statement.
type Starter struct {
	work    chan func() // unbuffered: a send succeeds only to a waiting goroutine
	waiting atomic.Int32
	keep    int32
}

// NewStarter returns a Starter keeping at most keep goroutines waiting.
func NewStarter(keep int) *Starter {
	return &Starter{work: make(chan func()), keep: int32(max(keep, 0))}
}

// Go runs f on a waiting goroutine, or on a new one when none waits.
func (s *Starter) Go(f func()) {
	select {
	case s.work <- f:
	default:
		go s.run(f)
	}
}

// Waiting reports how many goroutines wait for a function.
func (s *Starter) Waiting() int { return int(s.waiting.Load()) }

// run runs f, then waits for the next function while fewer than keep
// goroutines wait.
func (s *Starter) run(f func()) {
	for {
		f()
		if s.waiting.Add(1) > s.keep {
			s.waiting.Add(-1)
			return
		}
		f = <-s.work
		s.waiting.Add(-1)
	}
}
