// Package estest starts a throw-away JetStream event store for tests of
// any package: an embedded nats-server in a temporary directory on a
// random port, the store opened on it, everything stopped at cleanup. It
// also holds RunAcceptance, the suite every domain.EventStore must pass.
// Import it from _test files only.
package estest

import (
	"context"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Start starts an embedded server in tb.TempDir() on a random port,
// connects to it and opens the store with the default Config. Cleanup
// closes the connection and shuts the server down.
func Start(tb testing.TB) (*eventstore.Embedded, *eventstore.Store, *nats.Conn) {
	tb.Helper()
	return StartAt(tb, tb.TempDir())
}

// StartAt is Start on an existing data directory: a restart on the data a
// previous server left there (shut that one down first).
func StartAt(tb testing.TB, dir string) (*eventstore.Embedded, *eventstore.Store, *nats.Conn) {
	tb.Helper()
	srv := Server(tb, dir, "127.0.0.1:-1")
	st, nc := Open(tb, srv.ClientURL())
	return srv, st, nc
}

// Server starts only the embedded server, on dir and listen (host:port;
// port -1 picks one). Restarting on the address of a previous server lets
// that server's clients reconnect. Cleanup shuts it down.
func Server(tb testing.TB, dir, listen string) *eventstore.Embedded {
	tb.Helper()
	srv, err := eventstore.StartEmbedded(eventstore.EmbeddedConfig{DataDir: dir, Listen: listen})
	if err != nil {
		tb.Fatalf("start embedded nats: %v", err)
	}
	tb.Cleanup(srv.Shutdown)
	return srv
}

// Open connects to url (with opts added to Connect's) and opens the
// store with the default Config; cleanup closes the store, then the
// connection.
func Open(tb testing.TB, url string, opts ...nats.Option) (*eventstore.Store, *nats.Conn) {
	tb.Helper()
	nc := Connect(tb, url, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := eventstore.Open(ctx, nc, eventstore.Config{})
	if err != nil {
		tb.Fatalf("open event store: %v", err)
	}
	tb.Cleanup(st.Close)
	return st, nc
}

// Connect connects to url with the store's reconnect options, quiet and
// quick to reconnect, and opts after them; it closes the connection at
// cleanup.
func Connect(tb testing.TB, url string, opts ...nats.Option) *nats.Conn {
	tb.Helper()
	nc, err := eventstore.Connect(url, append([]nats.Option{
		nats.Name("estest"),
		nats.ReconnectWait(20 * time.Millisecond),
		nats.ReconnectJitter(0, 0),
		nats.DisconnectErrHandler(func(*nats.Conn, error) {}),
		nats.ReconnectHandler(func(*nats.Conn) {}),
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}),
	}, opts...)...)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	tb.Cleanup(nc.Close)
	return nc
}

// DropBefore removes the events below seq from st's stream, as retention
// (MaxAge, MaxBytes) does with the oldest ones: the stream's first
// sequence becomes seq.
func DropBefore(tb testing.TB, nc *nats.Conn, st *eventstore.Store, seq uint64) {
	tb.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatalf("jetstream: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := js.Stream(ctx, st.Config().Stream)
	if err != nil {
		tb.Fatalf("stream %s: %v", st.Config().Stream, err)
	}
	if err := stream.Purge(ctx, jetstream.WithPurgeSequence(seq)); err != nil {
		tb.Fatalf("drop events before %d: %v", seq, err)
	}
}
