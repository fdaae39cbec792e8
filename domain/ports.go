package domain

import (
	"context"
	"io"
	"math"
	"time"
)

// Aggregate kinds; each aggregate instance is one subject in the store.
const (
	KindCharger  = "charger"
	KindWidget   = "widget"
	KindPairings = "pairings"
	KindNotices  = "notices"
)

// StreamKey names one aggregate: its events share one subject, and appends
// to it use optimistic concurrency on that subject.
type StreamKey struct {
	Kind string
	ID   string
}

// PairingsKey is the one aggregate holding the charger ↔ widget table, so a
// widget can belong to one charger at most even across instances.
var PairingsKey = StreamKey{Kind: KindPairings}

// NoticesKey is the one aggregate holding scheduled staff notices.
var NoticesKey = StreamKey{Kind: KindNotices}

// ChargerKey returns the aggregate of a charger (and its sessions).
func ChargerKey(id string) StreamKey { return StreamKey{Kind: KindCharger, ID: id} }

// AnyVersion appends without an optimistic-concurrency check.
const AnyVersion uint64 = math.MaxUint64

// EventStore is the port the JetStream store implements.
//
// Versions are stream sequences: an aggregate's version is the stream
// sequence of its last event (0 when it has none).
type EventStore interface {
	// Append stores events for one aggregate, in order. The first event is
	// appended only if the aggregate's version is still expected (unless
	// expected is AnyVersion); each further event expects its predecessor.
	// It returns where each event was stored. An event re-sent after it was
	// stored is not stored again: it is reported Duplicate with its original
	// sequence (with an expected version: re-sent with the version it was
	// first sent with, at any age; with AnyVersion: within the store's
	// duplicate window). A caller that reads its event back decides from
	// what it read and does not re-send it. It returns ErrConflict when the
	// aggregate moved on, and an error wrapping ErrUnavailable when the
	// store could not be reached.
	Append(ctx context.Context, key StreamKey, expected uint64, events []Event) ([]Appended, error)
	// Load returns the aggregate's events with a stream sequence above
	// after, oldest first.
	Load(ctx context.Context, key StreamKey, after uint64) ([]Event, error)
	// LastSequence returns the stream's last sequence.
	LastSequence(ctx context.Context) (uint64, error)
}

// Appended tells where Append stored one event.
type Appended struct {
	Seq       uint64
	Duplicate bool
}

// Handler applies one event. Returning an error stops the subscription's
// progress at that event (it is redelivered).
type Handler func(Event) error

// Feed is the port for following the whole stream in order.
type Feed interface {
	// Follow delivers every event with a sequence above after, in order, to
	// h, through a durable consumer named name, until ctx ends.
	Follow(ctx context.Context, name string, after uint64, h Handler) error
}

// Clock returns the current time; injected so that decide and the
// projections never read the wall clock themselves.
type Clock func() time.Time

// Checkpoints is the port for keeping a read side's checkpoint: the
// encoded state and the stream sequence it covers.
type Checkpoints interface {
	// LoadCheckpoint returns the checkpoint saved under name, or nil (and
	// no error) when there is none.
	LoadCheckpoint(ctx context.Context, name string) ([]byte, error)
	// SaveCheckpoint replaces the checkpoint saved under name with what r
	// holds, to its end; if reading r fails, the checkpoint saved before
	// stays.
	SaveCheckpoint(ctx context.Context, name string, r io.Reader) error
}

// Leases is the port for instance liveness in a store shared by several
// instances: each instance holds a lease it keeps renewing; when an
// instance dies its lease expires and the survivors take over what it held
// (its sockets are marked offline).
type Leases interface {
	// Hold renews instance's lease until ctx ends, then releases it.
	Hold(ctx context.Context, instance string) error
	// Expired reports the instances whose lease is known and has expired,
	// and those that released it, as of now.
	Expired(ctx context.Context) ([]string, error)
}

// History is the port for reading a stretch of the stream's past once, in
// order, without a durable consumer: the live feed's recovery.
type History interface {
	// ReadAll delivers the events from sequence from (1 when 0) up to the
	// stream's last sequence at the time of the call, in order, to h. It
	// stops at h's first error and returns it wrapped.
	ReadAll(ctx context.Context, from uint64, h Handler) error
	// FirstSequence returns the stream's first sequence still held: the
	// stream's retention (age, size) drops older events. It is the last
	// sequence + 1 when the stream holds no event.
	FirstSequence(ctx context.Context) (uint64, error)
	// LastSequence returns the stream's last sequence (0 when empty).
	LastSequence(ctx context.Context) (uint64, error)
	// SequenceAt returns the sequence of the first event stored at or
	// after t, or the last sequence + 1 when none was.
	SequenceAt(ctx context.Context, t time.Time) (uint64, error)
}
