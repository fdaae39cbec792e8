package runtime

import (
	"context"
	"time"
)

// Timing of following on demand (Config.OnDemand).
const (
	// quietAfter is how long the feed keeps following after the last
	// foreign write (and at least after it started) before it stops.
	quietAfter = 2 * time.Second
	// quietCheck is how often a following feed looks whether it may stop.
	quietCheck = 250 * time.Millisecond
	// expectGrace is how long an expected sequence (an offer's missing
	// predecessor, a waiter's) may take to be offered before the feed
	// is followed to bring it.
	expectGrace = 50 * time.Millisecond
)

// onDemandFeed is a skipping feed that also tells of writes by others and
// can drop its durable consumer (the store implements it).
type onDemandFeed interface {
	skippingFeed
	// WatchForeign calls wake for every message another connection
	// publishes on the stream's subjects, until stop.
	WatchForeign(wake func()) (stop func(), err error)
	// Unfollow removes the durable consumer name.
	Unfollow(ctx context.Context, name string) error
}

// followOnDemand feeds the board until ctx ends, following the stream
// only while something is there that no offer brings: at start (the
// catch-up), after another connection wrote (a foreign hint), when an
// offered event's predecessor or a waited-for sequence is not offered
// within expectGrace (an append whose acknowledgement was lost, an event
// stored twice), and when the stream's end seen one WatchEvery ago is
// still not folded (a hint that was lost). Once nothing foreign was heard
// for quietAfter and the board folded the stream's end seen one
// quietCheck before, the consumer is removed, so that the store stops
// delivering back what this instance appended. An instance alone on its
// store then reads each event once, from its own acknowledgement; with
// others writing all the time it follows all the time, as without
// OnDemand.
func (r *Runtime) followOnDemand(ctx context.Context, f onDemandFeed) {
	stop, err := f.WatchForeign(r.hinted)
	if err != nil {
		r.log.Warn("writes by others cannot be watched; following the stream all the time", "err", err)
		r.followLoop(ctx)
		return
	}
	defer stop()
	for ctx.Err() == nil {
		r.followUntilQuiet(ctx)
		if ctx.Err() != nil {
			return
		}
		c, cancel := context.WithTimeout(ctx, lastSeqTimeout)
		if err := f.Unfollow(c, r.cfg.Consumer); err != nil && ctx.Err() == nil {
			r.log.Debug("consumer not removed; it stays idle", "consumer", r.cfg.Consumer, "err", err)
		}
		cancel()
		// A hint heard while following is stale now, unless it came
		// after the feed decided to stop.
		select {
		case <-r.hint:
		default:
		}
		if time.Since(r.hintAt()) < quietAfter {
			continue
		}
		r.quiet.Store(true)
		r.expect(0) // an expectation raised just before the stop
		ok := r.awaitCause(ctx)
		r.quiet.Store(false)
		if !ok {
			return
		}
	}
}

// followUntilQuiet follows the stream until ctx ends or watchQuiet finds
// nothing left that only the feed would bring.
func (r *Runtime) followUntilQuiet(ctx context.Context) {
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go r.watchQuiet(qctx, cancel)
	r.followLoop(qctx)
}

// watchQuiet calls stop once the feed may stop: nothing foreign heard for
// quietAfter, following for at least as long, and everything up to the
// stream's end and the highest expected sequence seen one quietCheck ago
// folded.
func (r *Runtime) watchQuiet(ctx context.Context, stop func()) {
	start := time.Now()
	t := time.NewTicker(quietCheck)
	defer t.Stop()
	var prevLast, prevExpected uint64
	seen := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		c, cancel := context.WithTimeout(ctx, lastSeqTimeout)
		last, err := r.cfg.Stream.LastSequence(c)
		cancel()
		if err != nil {
			seen = false
			continue
		}
		r.raise(&r.lastSeq, last) // fresher than watchStream's, for the lag metric
		applied := r.applied.Load()
		if seen && applied >= prevLast && applied >= prevExpected &&
			time.Since(start) >= quietAfter && time.Since(r.hintAt()) >= quietAfter {
			stop()
			return
		}
		prevLast, prevExpected, seen = last, r.expected.Load(), true
	}
}

// awaitCause waits, with the feed stopped, for a reason to follow again
// (see followOnDemand); false when ctx ended first.
func (r *Runtime) awaitCause(ctx context.Context) bool {
	t := time.NewTicker(r.cfg.WatchEvery)
	defer t.Stop()
	prevLast := r.lastSeq.Load()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-r.hint:
			return true
		case <-r.expectCh:
			want := r.expected.Load()
			if r.applied.Load() >= want {
				continue
			}
			g := time.NewTimer(expectGrace)
			select {
			case <-ctx.Done():
				g.Stop()
				return false
			case <-g.C:
			}
			if r.applied.Load() < want {
				return true
			}
		case <-t.C:
			if r.applied.Load() < prevLast {
				return true
			}
			prevLast = r.lastSeq.Load()
		}
	}
}

// hinted is WatchForeign's wake: another connection wrote.
func (r *Runtime) hinted() {
	r.lastHint.Store(time.Now().UnixNano())
	select {
	case r.hint <- struct{}{}:
	default:
	}
}

// hintAt returns when the last foreign write was heard (the zero time's
// Unix nanoseconds before any).
func (r *Runtime) hintAt() time.Time {
	return time.Unix(0, r.lastHint.Load())
}

// expect tells a stopped on-demand feed that seq should be folded soon:
// unless it is within expectGrace, the feed follows again to bring it.
func (r *Runtime) expect(seq uint64) {
	if r.feed == nil {
		return
	}
	r.raise(&r.expected, seq)
	if !r.quiet.Load() {
		return
	}
	select {
	case r.expectCh <- struct{}{}:
	default:
	}
}
