package eventstore

import (
	"context"
	"fmt"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/nats-io/nats.go/jetstream"
)

// ReadAll delivers the stream's events from sequence from (1 when 0) up to
// the stream's last sequence at the time of the call, in order, to h; for
// replay and rebuild tools. It stops at the first error of h, returning it
// wrapped.
func (s *Store) ReadAll(ctx context.Context, from uint64, h domain.Handler) error {
	from = max(from, 1)
	if err := s.connected("read all"); err != nil {
		return err
	}
	info, err := s.stream.Info(ctx)
	if err != nil {
		return classify("read all", err)
	}
	last := info.State.LastSeq
	if last < from || info.State.Msgs == 0 {
		return nil
	}
	cons, err := s.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       from,
		InactiveThreshold: 30 * time.Second,
	})
	if err != nil {
		return classify("read all", err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(s.cfg.FollowBatch))
	if err != nil {
		return classify("read all", err)
	}
	defer func() {
		if info := cons.CachedInfo(); info != nil {
			s.deleteConsumerLater(info.Name)
		}
	}()
	defer it.Stop()
	defer context.AfterFunc(ctx, it.Stop)()
	if info := cons.CachedInfo(); info != nil && info.NumPending == 0 {
		return nil
	}
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				return classify("read all", ctx.Err())
			}
			return classify("read all", err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("read all: %w", err)
		}
		seq := meta.Sequence.Stream
		e := decode(msg.Data(), seq)
		if err := h(e); err != nil {
			return fmt.Errorf("read all: apply %s at %d: %w", e.Type, seq, err)
		}
		if seq >= last || meta.NumPending == 0 {
			return nil
		}
	}
}
