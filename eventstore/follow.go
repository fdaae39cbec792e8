package eventstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/nats-io/nats.go/jetstream"
)

const (
	// ackEvery and ackCount bound how long and how many applied events
	// may wait for their (cumulative) acknowledgement.
	ackEvery = 50 * time.Millisecond
	ackCount = 500
	// followRetryMin and followRetryMax bound the pause before Follow
	// re-creates a consumer or iterator that failed.
	followRetryMin = 100 * time.Millisecond
	followRetryMax = 2 * time.Second
	// durableIdle removes a durable consumer nobody followed for this long.
	durableIdle = 72 * time.Hour
)

// errGap marks a skipped sequence; Follow re-creates its consumer.
var errGap = errors.New("a sequence was skipped")

// deleted reports whether the stream no longer holds seq (removed by
// retention or a purge), so a gap in delivery there is expected.
func (s *Store) deleted(ctx context.Context, seq uint64) bool {
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := s.stream.GetMsg(c, seq)
	return errors.Is(err, jetstream.ErrMsgNotFound)
}

// stopError is an error that ends Follow instead of being retried: the
// handler refused an event, or a stored event does not decode.
type stopError struct{ err error }

func (e *stopError) Error() string { return e.err.Error() }
func (e *stopError) Unwrap() error { return e.err }

// Follow delivers every event with a sequence above after, in stream
// order, to h through the durable pull consumer name, until ctx ends; then
// it returns nil.
//
// The consumer is re-used when it stands exactly at after (nothing
// delivered beyond it, nothing unacknowledged); otherwise it is deleted
// and created anew at after+1, so the caller's position always wins. It is
// acknowledged cumulatively (AckAll) after h returned nil, at least every
// 50 ms or 500 events. Lost connections, reconnects to another node and a
// deleted consumer are survived by re-creating the consumer after the last
// applied event. When h returns an error the event is Nak'ed and Follow
// returns that error (wrapped); so does a stored event that does not
// decode. Each Follow call needs its own name: two concurrent calls with
// one name steal each other's events.
func (s *Store) Follow(ctx context.Context, name string, after uint64, h domain.Handler) error {
	return s.FollowSkipping(ctx, name, after, nil, h)
}

// FollowSkipping is Follow that leaves out, without decoding it, every
// event for whose sequence skip reports true (the handler has it already:
// the projection runtime folds what its own instance appended as soon as
// it is acknowledged). A skipped event counts as applied: it is
// acknowledged and Follow goes on after it. A nil skip leaves out nothing.
func (s *Store) FollowSkipping(ctx context.Context, name string, after uint64, skip func(seq uint64) bool, h domain.Handler) error {
	if !validConsumer(name) {
		return fmt.Errorf("follow: consumer name %q is not valid", name)
	}
	last := after
	wait := followRetryMin
	for {
		if ctx.Err() != nil {
			return nil
		}
		before := last
		cons, err := s.durable(ctx, name, last)
		if err == nil {
			err = s.consume(ctx, name, cons, &last, skip, h)
		}
		var stop *stopError
		if errors.As(err, &stop) {
			return stop.err
		}
		if ctx.Err() != nil {
			return nil
		}
		if last > before {
			wait = followRetryMin
		}
		s.cfg.Log.Warn("follow: restarting consumer", "consumer", name, "after", last, "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, followRetryMax)
	}
}

// validConsumer reports whether name can name a durable consumer.
func validConsumer(name string) bool {
	return validToken(name) && !strings.ContainsAny(name, `/\`)
}

// durable returns the durable consumer name positioned at after+1.
func (s *Store) durable(ctx context.Context, name string, after uint64) (jetstream.Consumer, error) {
	cons, err := s.stream.Consumer(ctx, name)
	switch {
	case err == nil:
		if info := cons.CachedInfo(); standsAt(info, after) {
			return cons, nil
		}
		if err := s.stream.DeleteConsumer(ctx, name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return nil, classify("follow "+name, err)
		}
	case !errors.Is(err, jetstream.ErrConsumerNotFound):
		return nil, classify("follow "+name, err)
	}
	cons, err = s.stream.CreateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:           name,
		Description:       "chargebooth follower",
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       after + 1,
		AckPolicy:         jetstream.AckAllPolicy,
		AckWait:           30 * time.Second,
		MaxDeliver:        -1,
		MaxAckPending:     max(10*s.cfg.FollowBatch, 20000),
		InactiveThreshold: durableIdle,
		Replicas:          0, // the stream's
	})
	if err != nil {
		return nil, classify("follow "+name, err)
	}
	return cons, nil
}

// standsAt reports whether an existing consumer would deliver exactly
// the events after seq next, with nothing outstanding.
func standsAt(info *jetstream.ConsumerInfo, seq uint64) bool {
	c := info.Config
	return c.AckPolicy == jetstream.AckAllPolicy && c.FilterSubject == "" && len(c.FilterSubjects) == 0 &&
		info.NumAckPending == 0 && info.NumRedelivered == 0 &&
		info.Delivered.Stream == seq && info.AckFloor.Stream == seq
}

// consume runs one iterator over cons until it fails, h fails or ctx
// ends; *last is the sequence of the last event h applied.
func (s *Store) consume(ctx context.Context, name string, cons jetstream.Consumer, last *uint64, skip func(uint64) bool, h domain.Handler) error {
	it, err := cons.Messages(jetstream.PullMaxMessages(s.cfg.FollowBatch))
	if err != nil {
		return classify("follow "+name, err)
	}
	defer it.Stop()
	defer context.AfterFunc(ctx, it.Stop)()

	// Acknowledgements are cumulative: the last applied message is
	// acknowledged once ackCount more were applied, or by the ticker at
	// most ackEvery later (so Next blocks without a timer per message).
	var (
		mu      sync.Mutex
		unacked jetstream.Msg // the last applied message, not yet acknowledged
		count   int
	)
	flush := func() {
		mu.Lock()
		m := unacked
		unacked, count = nil, 0
		mu.Unlock()
		if m != nil {
			_ = m.Ack() // cumulative; a lost ack only means redelivery
		}
	}
	applied := func(m jetstream.Msg) {
		mu.Lock()
		unacked = m
		count++
		full := count >= ackCount
		mu.Unlock()
		if full {
			flush()
		}
	}
	tick := time.NewTicker(ackEvery)
	stopTick := make(chan struct{})
	go func() {
		for {
			select {
			case <-tick.C:
				flush()
			case <-stopTick:
				return
			}
		}
	}()
	defer flush()
	defer tick.Stop()
	defer close(stopTick)
	for {
		msg, err := it.Next()
		if err != nil {
			return classify("follow "+name, err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("follow %s: %w", name, err)
		}
		seq := meta.Sequence.Stream
		if seq <= *last {
			applied(msg) // applied before a restart: only acknowledge
			continue
		}
		if seq != *last+1 && !s.deleted(ctx, *last+1) {
			// A message was skipped (seen after a stream leader change):
			// do not acknowledge past it; re-create the consumer after
			// the last applied event.
			flush()
			return fmt.Errorf("follow %s: got sequence %d after %d: %w", name, seq, *last, errGap)
		}
		if skip != nil && skip(seq) {
			*last = seq
			applied(msg)
			continue
		}
		e := decode(msg.Data(), seq)
		if err := h(e); err != nil {
			flush()
			_ = msg.Nak()
			return &stopError{fmt.Errorf("follow %s: apply %s at %d: %w", name, e.Type, seq, err)}
		}
		*last = seq
		applied(msg)
	}
}
