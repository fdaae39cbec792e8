package main

import (
	"context"
	"math"
	"sync"
	"time"
)

// paceRate makes every pair send cfg.Rate readings a second for
// cfg.Duration. One scheduler walks the readings of all pairs in turn,
// spread evenly over time (reading k goes to pair k mod n at k/(n·rate)
// seconds), and hands them to a few sending workers, so a slow socket
// holds up one worker and no timer exists per charger.
func (r *runner) paceRate(ctx context.Context, pairs []*pair) {
	n := len(pairs)
	perPair := max(int(math.Round(r.cfg.Rate*r.cfg.Duration.Seconds())), 1)
	total := perPair * n
	perSecond := r.cfg.Rate * float64(n)

	jobs := make(chan *pair, 1024)
	var wg sync.WaitGroup
	for range min(r.cfg.Workers, n) {
		wg.Go(func() {
			for p := range jobs {
				p.send(r)
			}
		})
	}
	defer func() {
		close(jobs)
		wg.Wait()
	}()

	timer := time.NewTimer(0)
	defer timer.Stop()
	start := time.Now()
	for k := 0; k < total; {
		due := min(int(time.Since(start).Seconds()*perSecond)+1, total)
		for ; k < due; k++ {
			select {
			case jobs <- pairs[k%n]:
			case <-ctx.Done():
				return
			}
		}
		if k == total {
			return
		}
		at := start.Add(time.Duration(float64(k) / perSecond * float64(time.Second)))
		timer.Reset(max(time.Until(at), time.Millisecond))
		select {
		case <-timer.C:
		case <-ctx.Done():
			return
		}
	}
}

// closedLoop makes every pair send a reading, then the next one as soon as
// its widget got the status of the last (the widget reader sends it), for
// cfg.Duration. A pair whose reading got no status within
// cfg.ClosedLoopTimeout sends the next one anyway, so a lost reading does
// not stop it.
func (r *runner) closedLoop(ctx context.Context, pairs []*pair) {
	r.setSending(true)
	defer r.setSending(false)
	for _, p := range pairs {
		p.send(r)
	}
	end := time.NewTimer(r.cfg.Duration)
	defer end.Stop()
	timeout := int64(r.cfg.ClosedLoopTimeout)
	watch := time.NewTicker(min(max(r.cfg.ClosedLoopTimeout/4, time.Millisecond), 100*time.Millisecond))
	defer watch.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-end.C:
			return
		case <-watch.C:
			now := r.now()
			for _, p := range pairs {
				if now-p.lastSend.Load() > timeout && p.outstanding() > 0 {
					p.send(r)
				}
			}
		}
	}
}

// setSending starts or stops the closed loop. Once it returns false, no
// send the loop triggered is under way any more.
func (r *runner) setSending(on bool) {
	r.sendMu.Lock()
	defer r.sendMu.Unlock()
	r.sending = on
}

// sendNext sends p's next reading if the closed loop runs.
func (r *runner) sendNext(p *pair) {
	r.sendMu.RLock()
	defer r.sendMu.RUnlock()
	if r.sending {
		p.send(r)
	}
}

// drain waits until every reading sent was delivered or skipped and, when
// the server acknowledges readings, answered, or until grace passed.
func (r *runner) drain(ctx context.Context, grace time.Duration) {
	deadline := time.Now().Add(grace)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	done := func() bool {
		if r.c.outstanding.Load() > 0 {
			return false
		}
		acks := !r.cfg.NoAck && r.c.acked.Load() > 0
		return !acks || r.c.answered.Load() >= r.c.sent.Load()
	}
	for !done() && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
