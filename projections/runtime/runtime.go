package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

// Stream is what the runtime reads of the stream besides following it:
// its last sequence (the store implements it).
type Stream interface {
	// LastSequence returns the stream's last sequence.
	LastSequence(ctx context.Context) (uint64, error)
}

// Defaults of the Config's optional durations.
const (
	DefaultCheckpointName = "board"
	DefaultRestartMin     = 250 * time.Millisecond
	DefaultRestartMax     = 10 * time.Second
	DefaultWatchEvery     = time.Second
)

// Bounds of the runtime's own store calls.
const (
	storeReadyTimeout = 2 * time.Second
	lastSeqTimeout    = 2 * time.Second
	checkpointTimeout = 10 * time.Second
)

// ErrStopped is returned by waits on a runtime that was closed (or, for
// Drain, never started).
var ErrStopped = errors.New("projection runtime stopped")

// Config is what a Runtime is told. Board, Feed, Stream and Consumer are
// required.
type Config struct {
	// Board is the read model the runtime feeds.
	Board *projections.Board
	// Feed delivers the stream in order.
	Feed domain.Feed
	// Stream tells the stream's last sequence.
	Stream Stream
	// Consumer names this instance's durable consumer
	// ("projections-<instance>"); one per instance.
	Consumer string

	// Checkpoints keeps the board's checkpoint; nil turns checkpoints off.
	Checkpoints domain.Checkpoints
	// CheckpointName is the checkpoint's key; "" is DefaultCheckpointName.
	CheckpointName string
	// CheckpointEvery is how often the board is checkpointed while caught
	// up (and changed). 0 turns checkpoints off altogether: no restore at
	// start, none saved, every start folds the whole stream.
	CheckpointEvery time.Duration

	// StoreReady, when set, says whether this instance can store right
	// now; its error makes Ready fail with it as the reason.
	StoreReady func(context.Context) error
	// OnUnknown, when set, hears the type of every applied event this
	// build does not understand (a domain.Opaque payload; "?" when even
	// the type is unreadable), for a metric.
	OnUnknown func(typ string)
	// OnQuarantined, when set, hears every applied event quarantined for
	// breaking the domain's invariants (a domain.Opaque with Reason
	// domain.OpaqueInvalid) with its type and the broken rule's error code
	// (such as "invalid_amount"), for a metric. OnUnknown does not hear
	// those.
	OnQuarantined func(typ, reason string)

	// RestartMin and RestartMax bound the pause before following again
	// after an error: RestartMin doubling up to RestartMax, back to
	// RestartMin once events are folded again. 0 is the default.
	RestartMin, RestartMax time.Duration
	// WatchEvery is how often the stream's last sequence is refreshed for
	// LastSeq; 0 is DefaultWatchEvery.
	WatchEvery time.Duration
	// OnDemand follows the stream only while it holds what no offer
	// brings (see Offer and followOnDemand) instead of all the time, so
	// that what this instance appended is not delivered back to it. It
	// needs a Feed that tells of writes by others (the store does, and
	// hears nothing of its own only on a connection made with
	// nats.NoEcho()); with any other Feed it is ignored.
	OnDemand bool
	// Log receives the runtime's logs; nil discards them.
	Log *slog.Logger
}

// Runtime feeds one board from the stream. Make one with New, Start it,
// Close it. Every method is safe for concurrent use.
type Runtime struct {
	cfg   Config
	board *projections.Board
	log   *slog.Logger

	// target is the sequence the board must reach to be caught up: the
	// stream's last sequence at Start, raised by CatchUpTo. Atomic.
	target atomic.Uint64
	// lastSeq is the stream's last sequence as last seen. Atomic.
	lastSeq atomic.Uint64
	// saved is the sequence of the last checkpoint saved or restored.
	// Atomic.
	saved atomic.Uint64
	// applied mirrors board.Applied() after each fold, so that the fold
	// can tell waiters without taking the board's lock. Atomic; written
	// by the follow goroutine (and Start), read by anyone.
	applied atomic.Uint64
	// nwait counts registered waiters; the fold takes wmu only when it is
	// above 0. Atomic; changed only under wmu.
	nwait atomic.Int64

	// closed is set by Close. Atomic (read under wmu by WaitApplied).
	closed atomic.Bool

	// wmu guards waiters. Lock order: mu before wmu.
	wmu     sync.Mutex
	waiters waitHeap

	// mu guards the lifecycle fields below.
	mu        sync.Mutex
	started   bool
	followErr error              // Follow's last error during the pause before following again
	cancel    context.CancelFunc // ends the goroutines Start began
	done      chan struct{}      // closed once they all returned

	// live is set once Start restored the checkpoint and cleared by
	// Close: only then are offers folded. Atomic.
	live atomic.Bool
	// fmu serialises folding, by the feed and by offers (Offer). It guards
	// pending and seenUnknown, and writes of applied. Lock order: fmu
	// before the board's lock and wmu.
	fmu sync.Mutex
	// pending holds offered events waiting for their predecessor, by
	// sequence.
	pending map[uint64]domain.Event
	// seenUnknown holds the opaque types already logged.
	seenUnknown map[string]bool

	// feed is the Feed when following on demand, else nil; the fields
	// below serve only that mode (see demand.go).
	feed onDemandFeed
	// hint has a value when another connection wrote since it was taken;
	// lastHint is when it last did (Unix nanoseconds). Atomic.
	hint     chan struct{}
	lastHint atomic.Int64
	// expected is the highest sequence an offer, a waiter or CatchUpTo
	// expects folded soon; expectCh has a value when it was raised while
	// quiet. Atomic.
	expected atomic.Uint64
	expectCh chan struct{}
	// quiet is set while the feed is stopped, waiting for a cause to
	// follow again. Atomic.
	quiet atomic.Bool
}

// New checks cfg and returns a runtime that is not started.
func New(cfg Config) (*Runtime, error) {
	switch {
	case cfg.Board == nil:
		return nil, errors.New("projection runtime: no board")
	case cfg.Feed == nil:
		return nil, errors.New("projection runtime: no feed")
	case cfg.Stream == nil:
		return nil, errors.New("projection runtime: no stream")
	case cfg.Consumer == "":
		return nil, errors.New("projection runtime: no consumer name")
	case cfg.CheckpointEvery < 0:
		return nil, fmt.Errorf("projection runtime: checkpoint interval %s is negative", cfg.CheckpointEvery)
	}
	if cfg.CheckpointName == "" {
		cfg.CheckpointName = DefaultCheckpointName
	}
	if cfg.RestartMin <= 0 {
		cfg.RestartMin = DefaultRestartMin
	}
	if cfg.RestartMax < cfg.RestartMin {
		cfg.RestartMax = max(DefaultRestartMax, cfg.RestartMin)
	}
	if cfg.WatchEvery <= 0 {
		cfg.WatchEvery = DefaultWatchEvery
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r := &Runtime{cfg: cfg, board: cfg.Board, log: log, pending: map[uint64]domain.Event{}, seenUnknown: map[string]bool{}}
	if f, ok := cfg.Feed.(onDemandFeed); ok && cfg.OnDemand {
		r.feed, r.hint, r.expectCh = f, make(chan struct{}, 1), make(chan struct{}, 1)
	}
	return r, nil
}

// checkpoints reports whether checkpoints are on.
func (r *Runtime) checkpoints() bool {
	return r.cfg.Checkpoints != nil && r.cfg.CheckpointEvery > 0
}

// Start restores the checkpoint (when checkpoints are on), reads the
// stream's last sequence as the catch-up target and starts following the
// stream, checkpointing and watching the stream's end in the background,
// until Close. It returns once following has begun; WaitCaughtUp tells
// when the board caught up. ctx bounds only Start's own reads. A runtime
// starts once.
func (r *Runtime) Start(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started || r.closed.Load() {
		return errors.New("projection runtime: started twice, or after Close")
	}
	if r.checkpoints() && r.board.Applied() == 0 {
		r.restore(ctx)
	}
	last, err := r.cfg.Stream.LastSequence(ctx)
	if err != nil {
		return fmt.Errorf("read stream: %w", err)
	}
	r.applied.Store(r.board.Applied())
	r.wake(r.applied.Load()) // waiters a restored checkpoint satisfied
	r.live.Store(true)
	r.raise(&r.target, last)
	r.raise(&r.lastSeq, last)

	runCtx, cancel := context.WithCancel(context.Background())
	r.started, r.cancel, r.done = true, cancel, make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		r.follow(runCtx)
	}()
	go func() {
		defer wg.Done()
		r.watchStream(runCtx)
	}()
	go func() {
		defer wg.Done()
		r.checkpointLoop(runCtx)
	}()
	go func() {
		wg.Wait()
		close(r.done)
	}()
	return nil
}

// Close stops following, checkpointing and watching, and wakes every
// waiter with ErrStopped. It saves no checkpoint: call Drain first for
// that. Close is idempotent.
func (r *Runtime) Close() error {
	r.mu.Lock()
	if r.closed.Load() {
		r.mu.Unlock()
		return nil
	}
	r.closed.Store(true)
	r.live.Store(false)
	cancel, done := r.cancel, r.done
	r.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	r.wakeAll()
	return nil
}

// running reports whether the runtime was started and is not closed.
func (r *Runtime) running() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.started && !r.closed.Load()
}

// raise sets v to seq when seq is higher.
func (r *Runtime) raise(v *atomic.Uint64, seq uint64) {
	for {
		cur := v.Load()
		if seq <= cur || v.CompareAndSwap(cur, seq) {
			return
		}
	}
}
