package workers

import "time"

// Pool is a set of worker goroutines, started as work arrives (up to Max)
// and ended after Idle without any.
type Pool struct {
	idle  time.Duration
	work  chan *Job     // unbuffered: a send succeeds only to an idle worker
	slots chan struct{} // one per running worker, Max in all
}

// New returns a pool of at most max workers (at least one), each ending
// after idle without work.
func New(n int, idle time.Duration) *Pool {
	return &Pool{idle: idle, work: make(chan *Job), slots: make(chan struct{}, max(n, 1))}
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
func (p *Pool) Workers() int { return len(p.slots) }

// Run runs j on a worker and returns when it has returned. An idle worker
// takes it at once; without one a new worker starts, unless Max are
// running, when j waits, parked, for whichever comes first: a worker
// coming free, or one ending idle and so making room for a new one. (An
// earlier version looked again every 10 ms instead; with thousands of
// chargers waiting behind a slow store, their timers took both cores and
// the store never caught up.) A Job runs one at a time: Run must not be
// called with j again before it returned.
func (p *Pool) Run(j *Job) {
	select {
	case p.work <- j: // an idle worker, rather than a new one
	default:
		select {
		case p.work <- j:
		case p.slots <- struct{}{}:
			go p.worker(j)
		}
	}
	<-j.done
}

// worker runs j, then what is handed to it until idle passes without work;
// it gives its slot back as it ends.
func (p *Pool) worker(j *Job) {
	defer func() { <-p.slots }()
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
