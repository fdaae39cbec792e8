package eventstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// ErrNoHolder is returned by Commands.Request when no instance holds the
// charger's socket (nobody answers on its subject).
var ErrNoHolder = errors.New("no instance holds the charger")

// Commands routes a command for a charger to the instance that holds the
// charger's socket, over NATS request/reply: the holder subscribes to the
// charger's command subject while the socket is open, any instance may
// request on it.
type Commands struct {
	nc     *nats.Conn
	prefix string

	mu   sync.Mutex // guards subs
	subs map[string]*nats.Subscription
}

// NewCommands returns a command router on nc; subjects are
// <prefix>.cmd.<charger id>.
func NewCommands(nc *nats.Conn, prefix string) *Commands {
	if prefix == "" {
		prefix = DefaultSubjectPrefix + "ctl"
	}
	return &Commands{nc: nc, prefix: prefix, subs: map[string]*nats.Subscription{}}
}

func (c *Commands) subject(chargerID string) string {
	return c.prefix + ".cmd." + strings.ReplaceAll(chargerID, ".", "~")
}

// Serve answers commands for chargerID with h until Unserve (or another
// Serve for the same charger) replaces it.
func (c *Commands) Serve(chargerID string, h func(ctx context.Context, req []byte) []byte) error {
	sub, err := c.nc.Subscribe(c.subject(chargerID), func(m *nats.Msg) {
		ctx, cancel := context.WithTimeout(context.Background(), requestLimit)
		defer cancel()
		_ = m.Respond(h(ctx, m.Data))
	})
	if err != nil {
		return fmt.Errorf("serve commands for %s: %w", chargerID, err)
	}
	c.mu.Lock()
	old := c.subs[chargerID]
	c.subs[chargerID] = sub
	c.mu.Unlock()
	if old != nil {
		_ = old.Unsubscribe()
	}
	return nil
}

// requestLimit bounds how long a holder works on one command.
const requestLimit = 60 * time.Second

// Unserve stops answering commands for chargerID.
func (c *Commands) Unserve(chargerID string) {
	c.mu.Lock()
	sub := c.subs[chargerID]
	delete(c.subs, chargerID)
	c.mu.Unlock()
	if sub != nil {
		_ = sub.Unsubscribe()
	}
}

// Request sends req to the instance holding chargerID and returns its
// answer. It returns ErrNoHolder when no instance serves the charger, and
// ctx's error when the answer does not come in time.
func (c *Commands) Request(ctx context.Context, chargerID string, req []byte) ([]byte, error) {
	msg, err := c.nc.RequestWithContext(ctx, c.subject(chargerID), req)
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return nil, ErrNoHolder
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout):
		return nil, context.DeadlineExceeded
	case err != nil:
		return nil, unavailable("command "+chargerID, err)
	}
	return msg.Data, nil
}
