package runtime

import (
	"context"

	"github.com/chargebooth/chargebooth/domain"
)

// maxPending bounds the events this instance appended that wait for an
// earlier sequence to be folded first; an offer beyond it is left to the
// feed.
const maxPending = 4096

// skippingFeed is a feed that can leave out, before decoding them, the
// events the handler already has (the store implements it).
type skippingFeed interface {
	FollowSkipping(ctx context.Context, name string, after uint64, skip func(seq uint64) bool, h domain.Handler) error
}

// Offer folds events this instance appended itself as soon as the store
// acknowledged them, each with the Seq the acknowledgement carried,
// instead of waiting for the feed to deliver them back: one round trip
// less between a charger's reading and its widget's status.
//
// Folding stays in stream order. An event whose predecessor is not folded
// yet waits (at most maxPending of them) until the feed or another offer
// folds it; the feed remains the source of truth for every other event
// (other instances', ops tools') and for gaps, and skips, undecoded, what
// an offer already folded. An event without a Seq, one already folded,
// and any offer while the runtime is not running (before Start has
// restored its checkpoint, after Close) are ignored: the feed delivers
// them. Offer is safe for concurrent use; it runs the board's listeners on
// the caller's goroutine.
func (r *Runtime) Offer(events []domain.Event) {
	if !r.live.Load() {
		return
	}
	r.fmu.Lock()
	defer r.fmu.Unlock()
	for _, e := range events {
		next := r.applied.Load() + 1
		switch {
		case e.Seq == 0 || e.Seq < next:
		case e.Seq == next:
			if err := r.fold(e); err != nil {
				// Left to the feed, which stops on the same refusal and
				// follows again (see follow).
				r.log.Error("offered event not folded; the feed brings it", "type", e.Type, "seq", e.Seq, "err", err)
				r.expect(e.Seq)
				return
			}
		case e.Seq-next < maxPending && len(r.pending) < maxPending:
			r.pending[e.Seq] = e
			r.expect(e.Seq - 1)
		default:
			r.expect(e.Seq)
		}
	}
}

// skip reports whether the feed may leave out the event at seq: it is
// folded, or waiting among the offers to be folded after its predecessor.
// It runs on the follow goroutine, before the event is decoded.
func (r *Runtime) skip(seq uint64) bool {
	if seq <= r.applied.Load() {
		return true
	}
	r.fmu.Lock()
	defer r.fmu.Unlock()
	_, ok := r.pending[seq]
	return ok
}

// fold applies e (the next sequence, or an event without one), then every
// offered event that follows it without a gap. r.fmu is held.
func (r *Runtime) fold(e domain.Event) error {
	for {
		if err := r.foldOne(e); err != nil {
			return err
		}
		next, ok := r.pending[r.applied.Load()+1]
		if !ok {
			return nil
		}
		delete(r.pending, next.Seq)
		e = next
	}
}
