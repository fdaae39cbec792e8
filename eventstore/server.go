package eventstore

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Sync policies of the embedded server's JetStream file store.
const (
	// SyncAlways fsyncs every write before it is acknowledged: nothing
	// acknowledged is lost even on a power cut, at a large cost in
	// throughput.
	SyncAlways = "always"
	// SyncInterval is the server's default and ours: a one-replica stream
	// writes each message to its file (flush in place, no async flush)
	// before acknowledging it, and fsyncs in the background every two
	// minutes. It survives kill -9 of the process (the kernel keeps the
	// written pages) but not a power cut of the box.
	SyncInterval = "interval"
)

// DefaultListen is the embedded server's default client address.
const DefaultListen = "127.0.0.1:4222"

// DefaultCheckEvery is how often the embedded server's monitor checks the
// disk and JetStream.
const DefaultCheckEvery = 5 * time.Second

// EmbeddedConfig configures StartEmbedded.
type EmbeddedConfig struct {
	// DataDir holds the JetStream file store (in DataDir/jetstream).
	DataDir string
	// Listen is the client address, host:port; port 0 or -1 picks a free
	// port. Empty means DefaultListen.
	Listen string
	// Sync is SyncInterval (empty) or SyncAlways.
	Sync string
	// InProcessOnly opens no TCP port; clients connect with
	// Embedded.Connect. For tools that open the data directory of a stopped
	// server while leaving its port alone. Listen is ignored.
	InProcessOnly bool
	// Debug turns on the server's own logging.
	Debug bool
	// StartTimeout bounds the wait for the server to accept clients;
	// 0 means 10 s.
	StartTimeout time.Duration
	// MaxStore is JetStream's file storage limit in bytes. 0 means what
	// the disk offers, as nats-server computes it (three quarters of the
	// free space, plus what the store already holds), re-checked every
	// CheckEvery so that the limit follows the disk when it gains or
	// loses space. A write beyond the limit is refused with an error
	// wrapping domain.ErrFull. Embedded.SetMaxStore changes it later.
	MaxStore int64
	// Log receives the monitor's findings (the storage limit, a full
	// disk, JetStream brought back); nil means slog.Default().
	Log *slog.Logger
	// CheckEvery is how often the server's monitor checks the disk and
	// JetStream's health (see Embedded.Full); 0 means DefaultCheckEvery.
	CheckEvery time.Duration
	// Credentials, when set, are demanded of every client (in-process
	// ones too); a client without them is refused with an authorization
	// violation. Nil leaves the server open to anyone who reaches its
	// port (tests, tools on a private port).
	Credentials *Credentials
}

// Embedded is a nats-server with JetStream running inside this process,
// and its monitor: a goroutine that keeps JetStream's storage limit on
// the disk's space (unless MaxStore fixes it), and that brings JetStream
// back, without a restart of the server, once space returns after a full
// disk made it stop writing.
type Embedded struct {
	srv *server.Server
	cfg EmbeddedConfig

	mu       sync.Mutex      // guards the fields below; held while JetStream is reconfigured
	opts     *server.Options // the server's options
	maxStore int64           // the limit asked for; 0: follow the disk
	limit    int64           // the limit in force (-1: none)
	memMax   int64           // JetStream's memory limit, kept across restarts of JetStream

	noSpace  atomic.Pointer[error] // why writes stopped for lack of disk space; nil while they do not
	stop     chan struct{}         // closed by Shutdown to end the monitor
	done     chan struct{}         // closed when the monitor has returned
	stopOnce sync.Once
}

// StartEmbedded starts a nats-server with JetStream file storage under
// cfg.DataDir and waits until it accepts clients.
func StartEmbedded(cfg EmbeddedConfig) (*Embedded, error) {
	opts, err := serverOptions(cfg)
	if err != nil {
		return nil, err
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	if cfg.Debug {
		srv.ConfigureLogger()
	}
	srv.Start()
	wait := cfg.StartTimeout
	if wait <= 0 {
		wait = 10 * time.Second
	}
	if !srv.ReadyForConnections(wait) {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("embedded nats: not ready after %s (is %s free?)", wait, opts.Host+":"+strconv.Itoa(opts.Port))
	}
	if !srv.JetStreamEnabled() {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, errors.New("embedded nats: jetstream did not start")
	}
	if cfg.CheckEvery <= 0 {
		cfg.CheckEvery = DefaultCheckEvery
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	e := &Embedded{srv: srv, cfg: cfg, opts: opts, maxStore: cfg.MaxStore, limit: -1,
		stop: make(chan struct{}), done: make(chan struct{})}
	if c := srv.JetStreamConfig(); c != nil {
		e.memMax = c.MaxMemory
	}
	e.check() // set the limit
	go e.monitor()
	return e, nil
}

func serverOptions(cfg EmbeddedConfig) (*server.Options, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("embedded nats: no data directory")
	}
	listen := cfg.Listen
	if cfg.InProcessOnly {
		listen = "127.0.0.1:-1"
	}
	if listen == "" {
		listen = DefaultListen
	}
	host, portStr, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: listen address %q: %w", listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < -1 || port > 65535 {
		return nil, fmt.Errorf("embedded nats: listen port %q is not a port number", portStr)
	}
	if port == 0 {
		port = server.RANDOM_PORT // 0 would mean nats' default 4222
	}
	if host == "" {
		host = "127.0.0.1"
	}
	opts := &server.Options{
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   cfg.DataDir, // the server adds /jetstream
		NoSigs:     true,
		NoLog:      !cfg.Debug,
		Debug:      cfg.Debug,
		DontListen: cfg.InProcessOnly,
	}
	if c := cfg.Credentials; c != nil {
		if !c.valid() {
			return nil, errors.New("embedded nats: credentials without a user or a password")
		}
		opts.Users = []*server.User{{Username: c.User, Password: c.Password}}
	}
	if cfg.MaxStore < 0 {
		return nil, fmt.Errorf("embedded nats: max store %d is negative", cfg.MaxStore)
	}
	// The server-wide limit is only a ceiling: the limit that counts is
	// the account's, which the monitor sets (and changes) at runtime.
	opts.JetStreamMaxStore = max(serverCeiling, cfg.MaxStore)
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	switch cfg.Sync {
	case SyncAlways:
		opts.SyncAlways = true
	case "", SyncInterval:
	default:
		return nil, fmt.Errorf("embedded nats: sync %q is neither %q nor %q", cfg.Sync, SyncAlways, SyncInterval)
	}
	return opts, nil
}

// ClientURL returns the URL clients connect to, e.g. nats://127.0.0.1:4222
// (with the port picked when Listen asked for a random one). Meaningless
// with InProcessOnly.
func (e *Embedded) ClientURL() string { return e.srv.ClientURL() }

// Connect returns a connection to the embedded server that does not go
// through TCP, with the reconnect options of the package's Connect and
// the server's credentials, if it has any.
func (e *Embedded) Connect(opts ...nats.Option) (*nats.Conn, error) {
	return Connect("", append(append([]nats.Option{nats.InProcessServer(e.srv)}, e.ClientOptions()...), opts...)...)
}

// ClientOptions are the options a client of the embedded server needs
// besides its URL: the credentials, when the server demands them.
func (e *Embedded) ClientOptions() []nats.Option {
	if e.cfg.Credentials == nil {
		return nil
	}
	return []nats.Option{e.cfg.Credentials.Option()}
}

// Shutdown stops the monitor and the server and waits until the server
// has stopped; JetStream flushes its files on the way.
func (e *Embedded) Shutdown() {
	e.stopOnce.Do(func() {
		close(e.stop)
		<-e.done
	})
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}
