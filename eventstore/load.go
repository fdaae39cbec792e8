package eventstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/nats-io/nats.go/jetstream"
)

const (
	// directSteps is how many events Load fetches one by one before it
	// reads the rest through a consumer: a cached aggregate is usually
	// zero to a few events behind, a cold one may be thousands.
	directSteps = 4
	// loadBatch is the pull batch of Load's consumer.
	loadBatch = 1000
	// fetchWait bounds one pull when the context sets no deadline.
	fetchWait = 10 * time.Second
)

// Load returns the aggregate's events with a stream sequence above after,
// oldest first, each with its Seq set. It returns nil, cheaply, when there
// is none: one lookup of the subject's last message.
func (s *Store) Load(ctx context.Context, key domain.StreamKey, after uint64) ([]domain.Event, error) {
	if err := checkKey(key); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	subj := s.Subject(key)
	if err := s.connected("load " + subj); err != nil {
		return nil, err
	}
	// A stream without a leader cannot answer: fail at once rather than
	// hold the command (a charger's reading after a refused one re-reads
	// its aggregate first) until the caller's deadline. A full disk still
	// serves reads.
	if err := s.failFast("load " + subj); errors.Is(err, domain.ErrUnavailable) {
		return nil, err
	}
	last, err := s.stream.GetLastMsgForSubject(ctx, subj)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, classify("load "+subj, err)
	}
	if last.Sequence <= after {
		return nil, nil
	}
	var out []domain.Event
	next := after + 1
	for range directSteps {
		m := last
		if next < last.Sequence {
			m, err = s.stream.GetMsg(ctx, next, jetstream.WithGetMsgSubject(subj))
			if err != nil {
				return nil, classify("load "+subj, err)
			}
		}
		out = append(out, decode(m.Data, m.Sequence))
		if m.Sequence >= last.Sequence {
			return out, nil
		}
		next = m.Sequence + 1
	}
	rest, err := s.scanSubject(ctx, subj, next, last.Sequence)
	if err != nil {
		return nil, err
	}
	return append(out, rest...), nil
}

// scanSubject reads subj's events from sequence from up to last through
// an ephemeral consumer, and deletes the consumer.
func (s *Store) scanSubject(ctx context.Context, subj string, from, last uint64) ([]domain.Event, error) {
	cons, err := s.stream.CreateConsumer(ctx, jetstream.ConsumerConfig{
		FilterSubject:     subj,
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       from,
		AckPolicy:         jetstream.AckNonePolicy,
		MemoryStorage:     true,
		Replicas:          1,
		InactiveThreshold: 30 * time.Second,
	})
	if err != nil {
		return nil, classify("load "+subj, err)
	}
	info := cons.CachedInfo()
	defer s.deleteConsumerLater(info.Name)
	want := info.NumPending
	out := make([]domain.Event, 0, want)
	var got uint64
	for got < want {
		if err := ctx.Err(); err != nil {
			return nil, unavailable("load "+subj, err)
		}
		n := min(want-got, loadBatch)
		fctx, cancel := pullContext(ctx)
		batch, err := cons.Fetch(int(n), jetstream.FetchContext(fctx))
		if err != nil {
			cancel()
			return nil, classify("load "+subj, err)
		}
		before := got
		for msg := range batch.Messages() {
			meta, err := msg.Metadata()
			if err != nil {
				cancel()
				return nil, fmt.Errorf("load %s: %w", subj, err)
			}
			if meta.Sequence.Consumer != got+1 {
				cancel()
				return nil, unavailable("load "+subj, fmt.Errorf("consumer skipped from %d to %d", got, meta.Sequence.Consumer))
			}
			out = append(out, decode(msg.Data(), meta.Sequence.Stream))
			got++
			if meta.Sequence.Stream >= last {
				want = got // newer events arrived meanwhile: stop at last
			}
		}
		err = batch.Error()
		cancel()
		if err != nil && got < want {
			return nil, classify("load "+subj, err)
		}
		if got == before {
			return nil, unavailable("load "+subj, errors.New("no events delivered"))
		}
	}
	// The ephemeral consumer may live on a replica that has not caught up
	// (right after a node returned): its count of pending events then
	// stops short of the subject's last one, which is no history to decide
	// on. Not read; try later.
	if n := len(out); n == 0 || out[n-1].Seq < last {
		at := uint64(0)
		if n > 0 {
			at = out[n-1].Seq
		}
		return nil, unavailable("load "+subj, fmt.Errorf("the read stopped at sequence %d, short of the subject's last, %d (a replica catching up)", at, last))
	}
	return out, nil
}

// pullContext bounds one pull request by ctx, or by fetchWait when ctx
// sets no deadline.
func pullContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, fetchWait)
}

// deleteConsumerLater removes an ephemeral consumer without making the
// caller wait; its inactivity threshold removes it anyway if this fails.
func (s *Store) deleteConsumerLater(name string) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.stream.DeleteConsumer(ctx, name)
	}()
}
