package eventstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// WatchForeign calls wake (which must not block) for every message
// published on the stream's subjects by a connection other than the
// store's own, until stop is called: how a reader that folds its own
// appends on their acknowledgement (see projections/runtime's OnDemand)
// learns that somebody else wrote. It is a hint, not the event: wake runs
// when the message is published, maybe before the stream stored it, and
// for messages the stream refuses too.
//
// Only a store whose connection was made with nats.NoEcho() hears nothing
// of its own appends; on any other it hears every append, its own
// included, which is correct but saves nothing. The subscription survives
// reconnects (nats.go subscribes again); messages it drops as a slow
// consumer are not told, so a reader must also look at the stream's end
// now and then.
func (s *Store) WatchForeign(wake func()) (stop func(), err error) {
	sub, err := s.nc.Subscribe(s.cfg.wildcard(), func(*nats.Msg) { wake() })
	if err != nil {
		return nil, unavailable("watch "+s.cfg.wildcard(), err)
	}
	return func() { _ = sub.Unsubscribe() }, nil
}

// Unfollow removes the durable consumer name, if there is one, so that
// nothing is delivered to it until Follow creates it again (at the
// follower's own position, as Follow always does).
func (s *Store) Unfollow(ctx context.Context, name string) error {
	if !validConsumer(name) {
		return fmt.Errorf("unfollow: consumer name %q is not valid", name)
	}
	err := s.stream.DeleteConsumer(ctx, name)
	if err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return classify("unfollow "+name, err)
	}
	return nil
}
