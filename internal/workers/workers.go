package workers

import (
	"sync/atomic"
	"time"
)

// Pool is a set of worker goroutines, started as work arrives (up to Max)
// and ended after Idle without any.
type Pool struct {
	max  int32
	idle time.Duration
	work chan *Job // unbuffered: a send succeeds only to an idle worker
	n    atomic.Int32
}

// New returns a pool of at most max workers (at least one), each ending
// after idle without work.
func New(n int, idle time.Duration) *Pool {
	return &Pool{max: int32(max(n, 1)), idle: idle, work: make(chan *Job)}
}

// Job is one caller's piece of work; a caller re-uses its Job for each
// Run, so a run allocates nothing.
type Job struct {
	f    func()
	done chan struct{}
}

// NewJob returns a Job running f.
func NewJob(f func()) *Job { return &Job{f: f, done: make(chan struct{})} }

// Workers reports how many workers are running.
func (p *Pool) Workers() int { return int(p.n.Load()) }

// Run runs j on a worker and returns when it has returned. An idle worker
// takes it at once; without one a new worker starts, unless Max are
// running, when j waits for the first to come free. A Job runs one at a
// time: Run must not be called with j again before it returned.
func (p *Pool) Run(j *Job) {
	for !p.hand(j) {
	}
	<-j.done
}

// busyRetry is how long a Run that found Max workers busy waits for one
// before it looks again (a worker may end idle just as it looked).
const busyRetry = 10 * time.Millisecond

// hand gives j to an idle worker or a new one, or reports false after
// busyRetry without either.
func (p *Pool) hand(j *Job) bool {
	select {
	case p.work <- j:
		return true
	default:
	}
	if p.n.Add(1) <= p.max {
		go p.worker(j)
		return true
	}
	p.n.Add(-1)
	t := time.NewTimer(busyRetry)
	defer t.Stop()
	select {
	case p.work <- j:
		return true
	case <-t.C:
		return false
	}
}

// worker runs j, then what is handed to it until idle passes without work.
func (p *Pool) worker(j *Job) {
	defer p.n.Add(-1)
	t := time.NewTimer(p.idle)
	defer t.Stop()
	for {
		j.f()
		j.done <- struct{}{}
		t.Reset(p.idle)
		select {
		case j = <-p.work:
		case <-t.C:
			return
		}
	}
}
