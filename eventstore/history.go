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

var _ domain.History = (*Store)(nil)

// sequenceAtWait bounds the wait for the first message of SequenceAt's
// consumer once the server said there is one.
const sequenceAtWait = 5 * time.Second

// FirstSequence returns the stream's first sequence still held (the last
// sequence + 1 when the stream holds no event): retention (MaxAge,
// MaxBytes) drops the oldest events.
func (s *Store) FirstSequence(ctx context.Context) (uint64, error) {
	if err := s.connected("stream info"); err != nil {
		return 0, err
	}
	info, err := s.stream.Info(ctx)
	if err != nil {
		return 0, classify("stream info", err)
	}
	return firstHeld(info.State), nil
}

// firstHeld is the first sequence a stream in state st holds.
func firstHeld(st jetstream.StreamState) uint64 {
	if st.Msgs == 0 {
		return st.LastSeq + 1
	}
	return max(st.FirstSeq, 1)
}

// SequenceAt returns the sequence of the first event the stream stored at
// or after t (by the stream's own timestamps), or the last sequence + 1
// when none was. An ephemeral ordered consumer starting at t finds it.
func (s *Store) SequenceAt(ctx context.Context, t time.Time) (uint64, error) {
	if err := s.connected("sequence at"); err != nil {
		return 0, err
	}
	info, err := s.stream.Info(ctx)
	if err != nil {
		return 0, classify("sequence at", err)
	}
	if info.State.Msgs == 0 || !info.State.LastTime.IsZero() && t.After(info.State.LastTime) {
		return info.State.LastSeq + 1, nil
	}
	start := t.UTC()
	cons, err := s.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy:     jetstream.DeliverByStartTimePolicy,
		OptStartTime:      &start,
		InactiveThreshold: 30 * time.Second,
	})
	if err != nil {
		return 0, classify("sequence at", err)
	}
	c, cancel := context.WithTimeout(ctx, sequenceAtWait)
	defer cancel()
	msg, err := cons.Next(jetstream.FetchContext(c))
	if info := cons.CachedInfo(); info != nil {
		s.deleteConsumerLater(info.Name)
	}
	switch {
	case errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		return info.State.LastSeq + 1, nil // nothing stored at or after t
	case err != nil:
		return 0, classify("sequence at", err)
	}
	meta, err := msg.Metadata()
	if err != nil {
		return 0, fmt.Errorf("sequence at: %w", err)
	}
	return meta.Sequence.Stream, nil
}
