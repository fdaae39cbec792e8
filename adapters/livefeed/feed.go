package livefeed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

// Defaults of Config.
const (
	DefaultQueue   = 1024
	DefaultPending = 4096
)

// CodeNoHistory refuses a recovery on a feed without a History.
const CodeNoHistory = "recovery_unavailable"

var (
	// ErrTooSlow ends a Sub whose subscriber let Config.Queue messages
	// wait; Sub.Err wraps it with the last position delivered.
	ErrTooSlow = errors.New("too slow")
	// ErrClosed ends a Sub closed by its subscriber (Sub.Close).
	ErrClosed = errors.New("unsubscribed")
	// ErrShutdown ends every Sub of a closed Feed, and refuses new ones.
	ErrShutdown = errors.New("live feed shut down")
)

// Config is what a Feed needs. Board is required.
type Config struct {
	// Board is what the feed listens on: every event it applies is
	// offered to the subscribers.
	Board *projections.Board
	// History reads the stream for recovery; nil refuses Filter.Since and
	// SinceTime (code recovery_unavailable).
	History domain.History
	// Queue is how many live messages may wait for one subscriber before
	// it is dropped as too slow; 0 is DefaultQueue.
	Queue int
	// Pending is how many live messages are kept for a subscriber while
	// its backlog is read, before they are dropped and the stream is read
	// again instead; 0 is DefaultPending.
	Pending int
	// Log hears recoveries that fail; nil discards.
	Log *slog.Logger
}

// Feed fans the board's applied events out to Subs. Make one with New;
// it is safe for concurrent use.
type Feed struct {
	cfg Config
	log *slog.Logger

	mu     sync.Mutex // guards subs and closed; the board's listener holds it, then a Sub's lock
	subs   map[*Sub]struct{}
	closed bool
}

// New returns a feed listening on cfg.Board.
func New(cfg Config) *Feed {
	if cfg.Queue <= 0 {
		cfg.Queue = DefaultQueue
	}
	if cfg.Pending <= 0 {
		cfg.Pending = DefaultPending
	}
	f := &Feed{cfg: cfg, log: cfg.Log, subs: map[*Sub]struct{}{}}
	if f.log == nil {
		f.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg.Board.Listen(f.publish)
	return f
}

// Subscribe starts a Sub delivering what flt asks for, until ctx ends,
// the Sub is closed or it falls behind (see Sub.Err). A Filter that does
// not Check, or a recovery on a feed without History, is refused with a
// domain error; so is a Subscribe on a closed feed (ErrShutdown). Finding
// where a recovery starts reads the stream (bounded by ctx): its errors
// (store unavailable) are returned as they are.
func (f *Feed) Subscribe(ctx context.Context, flt Filter) (*Sub, error) {
	if err := flt.Check(); err != nil {
		return nil, err
	}
	s := newSub(f, flt)
	if flt.recovers() {
		if f.cfg.History == nil {
			return nil, domain.Errorf(CodeNoHistory, "this server cannot recover past events; subscribe without since")
		}
		if err := s.position(ctx, flt); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil, ErrShutdown
	}
	f.subs[s] = struct{}{} // from here on, every applied event reaches s
	f.mu.Unlock()
	go s.run(ctx)
	return s, nil
}

// position resolves where s recovers from and whether it can.
func (s *Sub) position(ctx context.Context, flt Filter) error {
	h := s.feed.cfg.History
	if flt.SinceTime != nil {
		at, err := h.SequenceAt(ctx, *flt.SinceTime)
		if err != nil {
			return fmt.Errorf("find position at %s: %w", flt.SinceTime.UTC().Format("2006-01-02T15:04:05Z07:00"), err)
		}
		s.rec.Since = at - 1
	} else {
		s.rec.Since = *flt.Since
	}
	first, err := h.FirstSequence(ctx)
	if err != nil {
		return fmt.Errorf("find the oldest position: %w", err)
	}
	last, err := h.LastSequence(ctx)
	if err != nil {
		return fmt.Errorf("find the last position: %w", err)
	}
	since := s.rec.Since
	s.read = since
	switch {
	case since > last:
		// Beyond the end: the position came from another stream (or one
		// wiped since). Nothing here follows it: live from now.
		s.rec.Oldest, s.read = first, last
	case since+1 < first:
		s.rec.Oldest = first // retention dropped events after since
	default:
		s.rec.Recovered = true
	}
	return nil
}

// publish is the board's listener: it offers the event to every Sub,
// never waiting.
func (f *Feed) publish(u projections.Update) {
	if hidden(&u.Event) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var m *Message
	for s := range f.subs {
		if m == nil {
			e := u.Event // copied once, when a Sub exists
			msg := eventMessage(&e)
			m = &msg
		}
		s.offer(*m)
	}
}

// Len returns how many Subs are running.
func (f *Feed) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// Close ends every Sub with ErrShutdown and refuses new ones.
func (f *Feed) Close() {
	f.mu.Lock()
	f.closed = true
	subs := make([]*Sub, 0, len(f.subs))
	for s := range f.subs {
		subs = append(subs, s)
	}
	f.mu.Unlock()
	for _, s := range subs {
		s.end(ErrShutdown)
	}
}

// remove forgets s.
func (f *Feed) remove(s *Sub) {
	f.mu.Lock()
	delete(f.subs, s)
	f.mu.Unlock()
}
