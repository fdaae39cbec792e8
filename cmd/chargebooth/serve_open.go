package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/nats-io/nats.go"
)

// configure checks the flags and prepares the logger, the instance name,
// the data directory and the staff token.
func (m *Main) configure() (err error) {
	c := &m.Config
	if m.Clock == nil {
		m.Clock = time.Now
	}
	if m.Log, err = newLogger(m.Stderr, c.LogFormat, c.LogLevel); err != nil {
		return err
	}
	if c.Tariff.FlatCents < 0 || c.Tariff.HourlyCents < 0 || c.Tariff.CapCents < 0 {
		return fmt.Errorf("prices must not be negative")
	}
	if err := c.Money.check(); err != nil {
		return err
	}
	if c.Sync != eventstore.SyncAlways && c.Sync != eventstore.SyncInterval {
		return fmt.Errorf("--sync must be always or interval, not %q", c.Sync)
	}
	if c.NATSURL == "" {
		if err := checkNATSListen(c.NATSListen, c.NATSLock.AllowRemote); err != nil {
			return err
		}
	}
	if c.Instance == "" {
		c.Instance = defaultInstance(c.HTTPAddr)
	}
	m.epoch = strconv.FormatInt(time.Now().UnixMilli(), 36)
	if n, err := raiseFileLimit(); err != nil || n < 20000 {
		m.Log.Warn("few open files allowed; each charger and widget needs one", "limit", n, "err", err)
	}
	if err := os.MkdirAll(c.DataDir, 0o755); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if err := m.resolveStaffToken(); err != nil {
		return err
	}
	if c.StaffToken == "" {
		if c.StaffToken, err = loadOrMakeToken(filepath.Join(c.DataDir, "staff-token")); err != nil {
			return err
		}
	}
	return nil
}

// openStore starts the embedded NATS (unless --nats-url), connects and
// opens the event store, retrying while a cluster elects its leaders.
func (m *Main) openStore(ctx context.Context) (err error) {
	c := &m.Config
	m.natsURL = c.NATSURL
	var opts []nats.Option
	if m.natsURL == "" {
		// Every client must log in, the server's own and the ops tools
		// (which read the same file): a plain PUB on the port stores nothing.
		creds, err := eventstore.LoadOrMakeCredentials(credentialsPath(c.DataDir))
		if err != nil {
			return err
		}
		m.Embedded, err = eventstore.StartEmbedded(eventstore.EmbeddedConfig{
			DataDir: filepath.Join(c.DataDir, "jetstream"), Listen: c.NATSListen, Sync: c.Sync, MaxStore: int64(c.MaxStore), Log: m.Log,
			Credentials: &creds})
		if err != nil {
			return fmt.Errorf("start embedded NATS: %w", err)
		}
		m.natsURL = m.Embedded.ClientURL()
		// NoEcho: the projections hear of writes by other connections
		// (ops tools, an instance pointed at this server) without hearing
		// of this instance's own (see startReadSide). Nothing here
		// subscribes to what this connection publishes: charger commands
		// go over NATS only with --nats-url.
		opts = append(m.Embedded.ClientOptions(), nats.NoEcho())
		// Leave the address for the ops tools (replay, report, rebuild).
		if err := os.WriteFile(filepath.Join(c.DataDir, natsURLFile), []byte(m.natsURL+"\n"), 0o644); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
	} else if opts, err = c.NATSAuth.options(); err != nil {
		return err
	}
	// The embedded server too is reached over loopback TCP: an in-process
	// connection (net.Pipe) hands every write to the server's reader
	// goroutine while holding the connection's lock, which at 8,000
	// readings/s cost more CPU and a longer tail than the socket's syscalls.
	m.NC, err = eventstore.Connect(m.natsURL, append(opts, nats.Name("chargebooth "+c.Instance), eventstore.Logging(m.Log))...)
	if err != nil {
		return fmt.Errorf("connect to NATS at %s: %w", m.natsURL, err)
	}
	cfg := eventstore.Config{Replicas: c.Replicas, MaxAge: c.Retention, MaxBytes: c.MaxBytes, Log: m.Log}
	if m.Embedded != nil {
		cfg.Full = m.Embedded.Full
	}
	err = retryUnavailable(ctx, func(ctx context.Context) (err error) {
		m.Store, err = eventstore.Open(ctx, m.NC, cfg)
		return err
	})
	if err != nil {
		return fmt.Errorf("open event store: %w", err)
	}
	err = retryUnavailable(ctx, func(ctx context.Context) (err error) {
		m.Leases, err = eventstore.OpenLeases(ctx, m.Store, eventstore.LeaseConfig{TTL: c.LeaseTTL})
		return err
	})
	if err != nil {
		return fmt.Errorf("open instance leases: %w", err)
	}
	return nil
}

// startRetry is how start-up retries while the store is unavailable (a
// NATS cluster electing its leaders can leave a request unanswered).
var startRetry = domain.RetryPolicy{Budget: 30 * time.Second, Attempt: 5 * time.Second, First: 250 * time.Millisecond, Max: time.Second}

// retryUnavailable retries f under startRetry until it succeeds, fails
// otherwise than unavailable, or ctx ends.
func retryUnavailable(ctx context.Context, f func(context.Context) error) error {
	return domain.Retry(ctx, startRetry, time.After, f)
}
