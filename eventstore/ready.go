package eventstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

const (
	// probeTimeout bounds one stream info request of the probe.
	probeTimeout = time.Second
	// probeRetry is the probe's pace while the store is not ready, so
	// that it is found ready again soon after it is.
	probeRetry = 200 * time.Millisecond
	// probeStale is the age past which Ready does not trust the probe's
	// last finding (the probe is stopped or stuck) and probes itself.
	probeStale = 3 * time.Second
	// fullMemory is how long Ready reports the store full after an append
	// was refused for lack of space, when no Config.Full tells better (an
	// external server): until an append succeeds, or this long.
	fullMemory = 10 * time.Second
	// replicaSilence is how long a stream replica may go unheard by its
	// leader (which sends a heartbeat every second) before the probe
	// counts it lost.
	replicaSilence = 3 * time.Second
)

// errNoMeta is the cause of a store whose stream can store but whose
// cluster cannot create consumers (no JetStream meta leader).
var errNoMeta = errors.New("the cluster has no jetstream meta leader; events cannot be read")

// fullAppend is an append refused for lack of space.
type fullAppend struct {
	err error
	at  time.Time
}

// errNoLeader is the cause of an unavailable store whose stream does not
// answer or reports no leader.
var errNoLeader = errors.New("the stream has no leader")

// now is the wall clock; the probe's timestamps only measure ages.
var now = time.Now

// health is one finding of the probe: nil err when the store can store
// right now. fast marks findings that make Append fail at once instead
// of publishing into a request that cannot be answered.
type health struct {
	err  error
	fast bool
	at   time.Time
}

// Ready reports whether this instance can store an event right now: it
// is connected, the stream answers and has a leader with its quorum, the
// server has room, and (in a cluster) consumers can be created, which
// loads and followers need. It returns nil or an error wrapping domain.ErrUnavailable (no
// connection, no stream leader) or domain.ErrFull (the storage limit or
// the disk is reached), whose text says why. It reads what the store's
// background probe found at most ProbeEvery ago, so it is cheap enough
// for every /readyz request; after Close it probes on demand.
func (s *Store) Ready(ctx context.Context) error {
	if !s.nc.IsConnected() {
		return unavailable(s.op(), nats.ErrDisconnected)
	}
	h := s.health.Load()
	if h == nil || now().Sub(h.at) > probeStale {
		h = s.check(ctx)
		s.health.Store(h)
	}
	if h.err != nil {
		return h.err
	}
	if f := s.lastFull.Load(); f != nil && s.cfg.Full == nil && now().Sub(f.at) < fullMemory {
		return f.err
	}
	return nil
}

// Full reports whether the store is refusing writes for lack of space, as
// Ready finds it.
func (s *Store) Full() bool {
	return errors.Is(s.Ready(context.Background()), domain.ErrFull)
}

// probe keeps s.health current until ctx ends, logging each change.
func (s *Store) probe(ctx context.Context) {
	defer close(s.probed)
	var was error
	for {
		h := s.check(ctx)
		if ctx.Err() != nil {
			return
		}
		s.health.Store(h)
		// Log changes of state, not of detail (the bytes used, say).
		switch {
		case h.err != nil && domain.ErrorCode(was) != domain.ErrorCode(h.err):
			s.cfg.Log.Warn("event store not ready", "stream", s.cfg.Stream, "err", h.err)
		case h.err == nil && was != nil:
			s.cfg.Log.Info("event store ready again", "stream", s.cfg.Stream)
		}
		was = h.err
		wait := s.cfg.ProbeEvery
		if h.err != nil {
			wait = min(wait, probeRetry)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if s.nc.IsClosed() {
			s.health.Store(&health{err: unavailable(s.op(), nats.ErrConnectionClosed), fast: true, at: now()})
			return
		}
	}
}

// op names the store in the probe's errors.
func (s *Store) op() string { return "store " + s.cfg.Stream }

// check probes the store once.
func (s *Store) check(ctx context.Context) *health {
	h := &health{fast: true}
	defer func() { h.at = now() }()
	if !s.nc.IsConnected() {
		h.err = unavailable(s.op(), nats.ErrDisconnected)
		return h
	}
	if s.cfg.Full != nil {
		if err := s.cfg.Full(); err != nil {
			// A full disk leaves publishes unanswered: fail them at once.
			// A reached limit is refused at once by the server itself,
			// and a publish is how a store that is no longer full finds
			// out, so those still go through.
			h.err, h.fast = full(s.op(), err), errors.Is(err, errNoSpace)
			return h
		}
	}
	c, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	info, err := s.stream.Info(c)
	switch {
	case err == nil && info.Cluster != nil && info.Cluster.Leader == "":
		h.err = unavailable(s.op(), errNoLeader)
	case err == nil && !quorum(info.Cluster):
		// The leader answers, but cannot commit a write: it keeps calling
		// itself leader for a while (ten seconds) after losing its peers.
		h.err = unavailable(s.op(), fmt.Errorf("%w: its leader %s lost its quorum", errNoLeader, info.Cluster.Leader))
	case err == nil:
		h.fast = false
		if info.Cluster != nil && len(info.Cluster.Replicas) > 0 {
			// Appends need only the stream's leader, but loads and
			// followers create consumers, which need the cluster's meta
			// leader; it answers account info.
			if _, err := s.js.AccountInfo(c); err != nil && ctx.Err() == nil {
				h.err = unavailable(s.op(), fmt.Errorf("%w: %s", errNoMeta, detail(err)))
			}
		}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout),
		errors.Is(err, nats.ErrNoResponders), errors.Is(err, jetstream.ErrNoStreamResponse):
		if ctx.Err() != nil {
			h.err, h.fast = unavailable(s.op(), ctx.Err()), false
			return h
		}
		h.err = unavailable(s.op(), errNoLeader)
	default:
		h.err = classify(s.op(), err)
	}
	return h
}

// quorum reports whether the stream's leader hears from a majority of its
// group: itself and the replicas online and heard from within
// replicaSilence.
func quorum(c *jetstream.ClusterInfo) bool {
	if c == nil || len(c.Replicas) == 0 {
		return true
	}
	heard := 1 // the leader
	for _, r := range c.Replicas {
		if r != nil && !r.Offline && r.Active < replicaSilence {
			heard++
		}
	}
	return heard > (len(c.Replicas)+1)/2
}

// failFast returns the error Append fails with at once while the probe
// finds the store unable to store (no connection, no stream leader, a
// full disk), nil otherwise.
func (s *Store) failFast(op string) error {
	h := s.health.Load()
	if h == nil || !h.fast || h.err == nil || now().Sub(h.at) > probeStale {
		return nil
	}
	var se *storeError
	if errors.As(h.err, &se) {
		return &storeError{op: op, kind: se.kind, cause: se.cause}
	}
	return unavailable(op, h.err)
}

// noteAppend records what an append found out about space: a refusal for
// lack of it makes Ready report the store full until an append succeeds
// (or fullMemory passes), unless Config.Full tells.
func (s *Store) noteAppend(err error) {
	switch {
	case err == nil:
		if s.lastFull.Load() != nil {
			s.lastFull.Store(nil)
			s.cfg.Log.Info("event store takes writes again", "stream", s.cfg.Stream)
		}
	case errors.Is(err, domain.ErrFull):
		if s.lastFull.Swap(&fullAppend{err: err, at: now()}) == nil {
			s.cfg.Log.Warn("event store full", "stream", s.cfg.Stream, "err", err)
		}
	}
}
