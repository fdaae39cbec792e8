package eventstore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

var (
	_ domain.EventStore = (*Store)(nil)
	_ domain.Feed       = (*Store)(nil)
)

// Store is the JetStream event store. It is safe for concurrent use; the
// connection it was opened on stays the caller's to close.
type Store struct {
	cfg    Config
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream

	health   atomic.Pointer[health]     // the probe's last finding
	lastFull atomic.Pointer[fullAppend] // the last append refused for lack of space; nil after one succeeds
	stop     context.CancelFunc         // ends the probe
	probed   chan struct{}              // closed when the probe has returned

	mu          sync.Mutex            // guards checkpoints
	checkpoints jetstream.ObjectStore // nil until first used
}

// Open creates the stream described by cfg, or updates it to cfg, and
// returns a store on it. It starts the store's probe (see Ready); Close
// stops it.
func Open(ctx context.Context, nc *nats.Conn, cfg Config) (*Store, error) {
	cfg = cfg.withDefaults()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("open event store: %w", err)
	}
	stream, err := js.CreateOrUpdateStream(ctx, cfg.streamConfig())
	if err != nil {
		return nil, classify("open stream "+cfg.Stream, err)
	}
	s := &Store{cfg: cfg, nc: nc, js: js, stream: stream, probed: make(chan struct{})}
	s.health.Store(&health{at: now()})
	pctx, stop := context.WithCancel(context.Background())
	s.stop = stop
	go s.probe(pctx)
	return s, nil
}

// Close stops the store's probe. The connection stays open; the store
// keeps working, with Ready probing on demand.
func (s *Store) Close() {
	s.stop()
	<-s.probed
}

// Config returns the store's configuration with defaults filled in.
func (s *Store) Config() Config { return s.cfg }

// Subject returns the subject of an aggregate in this store.
func (s *Store) Subject(key domain.StreamKey) string { return Subject(s.cfg.SubjectPrefix, key) }

// LastSequence returns the stream's last sequence (0 when empty).
func (s *Store) LastSequence(ctx context.Context) (uint64, error) {
	if err := s.connected("stream info"); err != nil {
		return 0, err
	}
	info, err := s.stream.Info(ctx)
	if err != nil {
		return 0, classify("stream info", err)
	}
	return info.State.LastSeq, nil
}

// Ping checks that the stream answers. Ready is the cheaper, truer
// readiness check.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.LastSequence(ctx)
	return err
}

// connected fails fast, with an error wrapping domain.ErrUnavailable,
// while the connection is down: a request made now would wait in the
// reconnect buffer until the caller's deadline, and a write might even be
// stored after the caller was told it failed.
func (s *Store) connected(op string) error {
	if s.nc.IsConnected() {
		return nil
	}
	return unavailable(op, nats.ErrDisconnected)
}
