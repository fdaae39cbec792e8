package livefeed

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/chargebooth/chargebooth/domain"
)

// Sub is one subscriber's feed: Messages on C, in stream order, until it
// ends (Done, Err). Its methods are safe for concurrent use.
type Sub struct {
	feed *Feed
	out  chan Message  // C; unbuffered, closed by run once the Sub ended
	done chan struct{} // closed once by end
	rec  Recovery      // as known at Subscribe; fixed after

	// read is the last sequence read from the stream for the backlog (or
	// the recovery's start): a queued event at or below it was delivered
	// (or filtered) already. Owned by run.
	read uint64
	// recovering is set until the backlog is done.
	recovering bool

	mu       sync.Mutex // guards what follows; taken under the feed's lock by offer
	filter   chargerSet
	queue    []Message     // applied events not yet handed on C
	limit    int           // len(queue) at which a live Sub is too slow
	overflow bool          // the queue overflowed during the backlog and was dropped
	wake     chan struct{} // cap 1: the queue grew or the Sub ended
	ended    bool
	err      error
	last     uint64 // see Last
}

func newSub(f *Feed, flt Filter) *Sub {
	s := &Sub{feed: f, out: make(chan Message), done: make(chan struct{}), wake: make(chan struct{}, 1),
		limit: f.cfg.Queue, recovering: flt.recovers()}
	if s.recovering {
		s.limit = f.cfg.Pending
	}
	s.filter.add(flt.Chargers)
	return s
}

// C returns the channel of messages. It is closed after the Sub ended
// (see Err); messages handed before stay valid.
func (s *Sub) C() <-chan Message { return s.out }

// Done is closed when the Sub ends.
func (s *Sub) Done() <-chan struct{} { return s.done }

// Err returns why the Sub ended (nil while it runs): ErrClosed,
// ErrShutdown, an error wrapping ErrTooSlow (its message says the last
// position delivered), ctx's error, or the error that ended a recovery
// (the store unavailable).
func (s *Sub) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Recovery returns what Subscribe found for a recovery: Since, Recovered
// and Oldest (the marker Message completes it). It is the zero Recovery
// for a Sub without Since or SinceTime.
func (s *Sub) Recovery() Recovery { return s.rec }

// Last returns the position the subscriber was brought to: the Seq of the
// last event handed on C, or the marker's To when that is later (0 before
// either). Every matching event up to it was handed.
func (s *Sub) Last() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// Add widens the filter to ids (All: every charger), for the events
// delivered from now on (a backlog under way included). It refuses an id
// that does not pass CheckChargers, and more than MaxChargers ids.
func (s *Sub) Add(ids ...string) error {
	if err := CheckChargers(ids); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.filter.ids)
	for _, id := range ids {
		if id != All && !s.filter.ids[id] {
			n++
		}
	}
	if n > MaxChargers {
		return domain.Errorf(domain.CodeInvalidInput, "too many subscriptions (at most %d chargers); subscribe to \"*\" instead", MaxChargers)
	}
	s.filter.add(ids)
	return nil
}

// Remove narrows the filter (All: to no charger at all), for the events
// delivered from now on.
func (s *Sub) Remove(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.filter.remove(ids)
}

// Close ends the Sub with ErrClosed.
func (s *Sub) Close() { s.end(ErrClosed) }

// end ends the Sub once, with err.
func (s *Sub) end(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endLocked(err)
}

func (s *Sub) endLocked(err error) {
	if s.ended {
		return
	}
	s.ended, s.err = true, err
	close(s.done)
}

// offer queues an applied event, never waiting. Called by the feed's
// listener on the board's goroutine.
func (s *Sub) offer(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended || s.overflow || !s.filter.wants(m.Type, m.ChargerID) {
		return
	}
	if len(s.queue) >= s.limit {
		if s.recovering {
			// The stream holds it: drop the queue, read the stream again.
			s.queue, s.overflow = nil, true
			return
		}
		s.endLocked(fmt.Errorf("%w: %d messages waiting; resume with since %d", ErrTooSlow, len(s.queue), s.last))
		return
	}
	s.queue = append(s.queue, m)
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run delivers the backlog, then the queue, until the Sub ends; then it
// closes C and leaves the feed.
func (s *Sub) run(ctx context.Context) {
	defer func() {
		s.feed.remove(s)
		s.mu.Lock()
		s.queue = nil
		close(s.out)
		s.mu.Unlock()
	}()
	stop := context.AfterFunc(ctx, func() { s.end(ctx.Err()) })
	defer stop()
	if s.recovering {
		if err := s.backlog(ctx); err != nil {
			if !errors.Is(err, errEnded) {
				s.feed.log.Warn("live feed recovery failed", "since", s.rec.Since, "err", err)
				s.end(fmt.Errorf("recover since %d: %w", s.rec.Since, err))
			}
			return
		}
	}
	for {
		m, ok := s.next()
		if !ok {
			return
		}
		if !s.deliver(m) {
			return
		}
	}
}

// errEnded stops a stream read because the Sub ended.
var errEnded = errors.New("subscription ended")

// backlog reads the stream from s.read, hands the matching events on C,
// and sends the marker. Events applied meanwhile wait in the queue; when
// it overflowed, the stream is read again from where it stopped.
func (s *Sub) backlog(ctx context.Context) error {
	rec := s.rec
	rec.From = s.read + 1
	seen := false
	for {
		err := s.feed.cfg.History.ReadAll(ctx, s.read+1, func(e domain.Event) error {
			if !seen && e.Seq > rec.From && rec.Recovered {
				// Retention dropped events after the position was checked.
				rec.Recovered, rec.Oldest = false, e.Seq
			}
			seen = true
			if e.Seq <= s.read {
				return nil
			}
			s.read = e.Seq
			if hidden(&e) || !s.wants(e.Type, e.ChargerID) {
				return nil
			}
			rec.Count++
			if !s.deliver(eventMessage(&e)) {
				return errEnded
			}
			return nil
		})
		if s.isEnded() {
			return errEnded
		}
		if ctx.Err() != nil {
			s.end(ctx.Err())
			return errEnded
		}
		if err != nil {
			return err
		}
		if !rec.Recovered && rec.Oldest > rec.From {
			rec.From = rec.Oldest
		}
		s.mu.Lock()
		again := s.overflow
		s.overflow = false
		s.mu.Unlock()
		if !again {
			break
		}
	}
	rec.To = s.read
	if !s.deliver(recoveryMessage(rec)) {
		return errEnded
	}
	// What waits in the queue now is live; the Sub gets a full queue's
	// room beyond it before it counts as too slow.
	s.mu.Lock()
	s.recovering = false
	s.limit = len(s.queue) + s.feed.cfg.Queue
	overflowed := s.overflow
	s.mu.Unlock()
	if overflowed {
		// Lost between the last read and the switch: read what was.
		return s.catchUp(ctx)
	}
	return nil
}

// catchUp reads the stream once more after the queue overflowed at the
// very end of a backlog, then lets the queue go on.
func (s *Sub) catchUp(ctx context.Context) error {
	s.mu.Lock()
	s.overflow = false
	s.mu.Unlock()
	return s.feed.cfg.History.ReadAll(ctx, s.read+1, func(e domain.Event) error {
		if e.Seq <= s.read {
			return nil
		}
		s.read = e.Seq
		if !hidden(&e) && s.wants(e.Type, e.ChargerID) && !s.deliver(eventMessage(&e)) {
			return errEnded
		}
		return nil
	})
}

// wants reports whether the filter passes an event.
func (s *Sub) wants(typ, chargerID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.filter.wants(typ, chargerID)
}

// isEnded reports whether the Sub ended.
func (s *Sub) isEnded() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// next waits for the next queued event not delivered yet; false once the
// Sub ended.
func (s *Sub) next() (Message, bool) {
	for {
		s.mu.Lock()
		for len(s.queue) > 0 {
			m := s.queue[0]
			s.queue[0] = Message{}
			s.queue = s.queue[1:]
			if len(s.queue) < s.feed.cfg.Queue {
				s.limit = s.feed.cfg.Queue
			}
			if m.Seq != 0 && m.Seq <= s.read {
				continue // read from the stream already
			}
			s.mu.Unlock()
			return m, true
		}
		ended := s.ended
		s.mu.Unlock()
		if ended {
			return Message{}, false
		}
		select {
		case <-s.wake:
		case <-s.done:
		}
	}
}

// deliver hands m on C; false once the Sub ended.
func (s *Sub) deliver(m Message) bool {
	select {
	case s.out <- m:
	case <-s.done:
		return false
	}
	pos := m.Seq
	if m.Recovery != nil {
		pos = m.Recovery.To
	}
	s.mu.Lock()
	s.last = max(s.last, pos)
	s.mu.Unlock()
	return true
}
