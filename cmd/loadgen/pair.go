package main

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// writeTimeout is how long a reading may take to write before its charger
// counts as gone.
const writeTimeout = 10 * time.Second

// reading is one reading sent and not yet matched to a status.
type reading struct {
	sentAt int64 // run clock, ns
	want   status
}

// pair is one charger and the widget paired with it.
type pair struct {
	chargerID, widgetID string
	charger, widget     *websocket.Conn
	dead                atomic.Bool  // a socket failed: send no more
	lastSend            atomic.Int64 // run clock of the latest send

	wmu  sync.Mutex // serialises writes to charger; guards next, seq, buf
	next int        // cycle index of the next reading
	seq  uint64     // number of the latest reading
	buf  []byte

	mu      sync.Mutex // guards the fields below
	started bool       // readings may be sent; earlier statuses are ignored
	initial status     // the status the widget showed before the start
	matched bool       // a status was matched to a reading
	pending []reading  // sent, not yet matched, oldest first
	backing [4]reading // reused by pending when it empties
}

// start marks the pair ready to send and picks its first reading so that
// its status differs from the one the widget showed on connect.
func (p *pair) start() {
	p.mu.Lock()
	p.started = true
	first := cycleStartAfter(p.initial)
	p.pending = p.backing[:0]
	p.mu.Unlock()
	p.wmu.Lock()
	p.next = first
	p.wmu.Unlock()
}

// send writes the pair's next reading to its charger. It reports false
// when the charger socket is gone.
func (p *pair) send(r *runner) bool {
	if p.dead.Load() {
		return false
	}
	p.wmu.Lock()
	defer p.wmu.Unlock()
	st := socCycle[p.next]
	p.next = (p.next + 1) % len(socCycle)
	p.seq++
	id := p.seq
	if r.cfg.NoAck {
		id = 0
	}
	p.buf = appendReading(p.buf[:0], r.tag, id, st.soc)

	now := r.now()
	p.mu.Lock()
	p.pending = append(p.pending, reading{sentAt: now, want: st.want})
	p.mu.Unlock()
	r.c.outstanding.Add(1)
	p.lastSend.Store(now)

	_ = p.charger.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := p.charger.WriteMessage(websocket.TextMessage, p.buf); err != nil {
		p.dead.Store(true)
		r.c.writeErrors.Add(1)
		p.mu.Lock()
		if n := len(p.pending); n > 0 && p.pending[n-1].sentAt == now {
			p.pending = p.pending[:n-1]
			r.c.outstanding.Add(-1)
			p.mu.Unlock()
			return false
		}
		p.mu.Unlock()
	}
	r.c.sent.Add(1)
	return true
}

// onStatus matches a status the widget received to the oldest reading
// outstanding. Statuses arrive in the order of the readings, and
// neighbouring readings expect different statuses, so a status that
// matches the second reading outstanding means the first was lost. It
// reports true when no reading is outstanding any more.
func (p *pair) onStatus(r *runner, got status) bool {
	now := r.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		p.initial = got
		r.c.initial.Add(1)
		return false
	}
	switch {
	case len(p.pending) == 0:
		if p.matched {
			r.c.extra.Add(1)
		} else {
			r.c.initial.Add(1)
		}
		return false
	case got == p.pending[0].want:
		r.record(now, time.Duration(now-p.pending[0].sentAt))
		r.c.noteDelivery(now)
		p.pending = p.pending[1:]
	case len(p.pending) > 1 && got == p.pending[1].want:
		r.c.skipped.Add(1)
		r.c.outstanding.Add(-1)
		r.record(now, time.Duration(now-p.pending[1].sentAt))
		r.c.noteDelivery(now)
		p.pending = p.pending[2:]
	case !p.matched:
		// The widget's on-connect status, arriving after the start.
		r.c.initial.Add(1)
		return false
	default:
		r.c.wrong.Add(1)
		r.c.noteDelivery(now)
		p.pending = p.pending[1:]
	}
	p.matched = true
	if len(p.pending) == 0 {
		p.pending = p.backing[:0]
		return true
	}
	return false
}

// outstanding returns the number of readings not yet matched.
func (p *pair) outstanding() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.pending)
}
