package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chargebooth/chargebooth/adapters/charger"
	"github.com/chargebooth/chargebooth/adapters/dashboard"
	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/adapters/metrics"
	"github.com/chargebooth/chargebooth/adapters/widget"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/chargebooth/chargebooth/projections/policy"
	"github.com/nats-io/nats.go"
	"github.com/oklog/ulid/v2"
)

// ServeConfig is everything `chargebooth serve` is told.
type ServeConfig struct {
	DataDir       string
	NATSURL       string
	NATSListen    string
	ChargerAddr   string
	WidgetAddr    string
	HTTPAddr      string
	Pairings      string
	StaffToken    string
	Instance      string
	Tariff        domain.Tariff
	CollectAfter  time.Duration
	WidgetEvent   string
	LogFormat     string
	LogLevel      string
	Sync          string
	Retention     time.Duration
	MaxBytes      int64
	Replicas      int
	Origins       string
	Checkpoint    time.Duration
	NoDemo        bool
	Heartbeat     time.Duration
	ChargerAuth   string
	ChargerAllow  string
	BootPolicy    string
	RemoteTimeout time.Duration
	NATSAuth      natsAuth
	CPUProfile    string
	Pprof         bool
}

// flags registers serve's flags on fs.
func (c *ServeConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", "./data", "data directory (embedded JetStream store, staff token)")
	fs.StringVar(&c.NATSURL, "nats-url", "", "external NATS URL(s), comma separated; disables the embedded server")
	fs.StringVar(&c.NATSListen, "nats-listen", "127.0.0.1:4222", "embedded NATS client address (loopback)")
	fs.StringVar(&c.ChargerAddr, "charger-addr", ":3100", "charger WebSocket address")
	fs.StringVar(&c.WidgetAddr, "widget-addr", ":3200", "widget WebSocket address")
	fs.StringVar(&c.HTTPAddr, "http-addr", ":3000", "staff API, dashboard, /metrics, /healthz, /readyz address")
	fs.StringVar(&c.Pairings, "pairings", "", `JSON file {"c1234":"wABCD",…} of pairings applied at start`)
	fs.StringVar(&c.StaffToken, "staff-token", "", "bearer token for /api/ (default: made once and kept in the data dir)")
	fs.StringVar(&c.Instance, "instance", "", "this instance's name (default: host name and HTTP port)")
	fs.Int64Var(&c.Tariff.FlatCents, "price-cents", 500, "flat fee per session, in cents")
	fs.Int64Var(&c.Tariff.HourlyCents, "hourly-cents", 0, "price per started hour, in cents (0: none)")
	fs.Int64Var(&c.Tariff.CapCents, "cap-cents", 0, "most a session costs, in cents (0: no cap)")
	fs.StringVar(&c.Tariff.Currency, "currency", "EUR", "currency of the tariff")
	fs.DurationVar(&c.CollectAfter, "collect-after", 30*time.Minute, "raise an overdue reminder when a charged phone waits this long")
	fs.StringVar(&c.WidgetEvent, "widget-event", widget.DefaultEvent, "event name in widget frames (the Wallbox widget mock expects chargingStatus)")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&c.Sync, "sync", "interval", "JetStream fsync: interval (each event is written to its file before it is acknowledged, so kill -9 loses nothing; the OS flushes to disk in the background, so a power cut can lose the last seconds) or always (fsync every write before acknowledging: survives a power cut, about 50x slower)")
	fs.DurationVar(&c.Retention, "retention", 0, "drop events older than this (0: keep forever)")
	fs.Int64Var(&c.MaxBytes, "max-bytes", -1, "stream size limit in bytes (-1: none)")
	fs.IntVar(&c.Replicas, "replicas", 1, "stream and consumer replicas (1 or 3; 3 needs a NATS cluster)")
	fs.StringVar(&c.Origins, "allowed-origins", "", "extra origins allowed on /api/live, comma separated")
	fs.DurationVar(&c.Checkpoint, "checkpoint-every", 30*time.Second, "how often projections are checkpointed (also at shutdown); 0 turns checkpoints off: every start folds the whole stream")
	fs.BoolVar(&c.NoDemo, "no-demo", false, "do not create the demo pairing c1234 ↔ wABCD on a fresh store")
	fs.DurationVar(&c.Heartbeat, "heartbeat-interval", 5*time.Minute, "OCPP heartbeat interval told to chargers at boot")
	fs.StringVar(&c.ChargerAuth, "charger-auth", "", `JSON file {"c1234":"<bcrypt hash>"}: chargers must log in with HTTP Basic auth (OCPP security profile 1); make hashes with "chargebooth passwd"`)
	fs.StringVar(&c.ChargerAllow, "charger-allow", "", "file with the OCPP charger ids (one a line) whose BootNotification is Accepted (default: all)")
	fs.DurationVar(&c.RemoteTimeout, "remote-timeout", 30*time.Second, "how long remote start/stop wait for the charger's answer before 504")
	c.NATSAuth.flags(fs)
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile to this file until the server stops")
	fs.BoolVar(&c.Pprof, "pprof", false, "serve net/http/pprof under /debug/pprof/ on the HTTP address (no token: keep it off on open networks)")
	fs.StringVar(&c.BootPolicy, "boot-policy", "pending", "OCPP boot answer for chargers not on --charger-allow: pending or reject")
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	m := &Main{Stdout: stdout, Stderr: stderr}
	if err := m.ParseFlags(args); err != nil {
		return err
	}
	if m.Config.CPUProfile != "" {
		stopProfile, err := startCPUProfile(m.Config.CPUProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "chargebooth: shutting down")
	return m.Close()
}

// Main is the serve command: the only place that wires concrete types.
type Main struct {
	Config ServeConfig
	Stdout io.Writer
	Stderr io.Writer
	// Clock is the server's clock; tests inject one.
	Clock domain.Clock

	Log      *slog.Logger
	Embedded *eventstore.Embedded
	NC       *nats.Conn
	Store    *eventstore.Store
	Board    *projections.Board
	Service  *domain.Service
	Chargers *charger.Server
	Widgets  *widget.Server
	Metrics  *metrics.Metrics

	// Addresses actually listened on (useful with port 0).
	ChargerURL, WidgetURL, HTTPURL string

	startSeq  uint64        // stream sequence at start; ready once applied
	lastSeq   atomic.Uint64 // the stream's last sequence, refreshed for /metrics
	servers   []*http.Server
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
	api       *httpapi.API
}

// ParseFlags reads serve's flags and environment.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("chargebooth serve", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	m.Config.flags(fs)
	return parseWithEnv(fs, args)
}

// Run starts the server and returns once everything listens.
func (m *Main) Run(ctx context.Context) (err error) {
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
	if c.Sync != "always" && c.Sync != "interval" {
		return fmt.Errorf("--sync must be always or interval, not %q", c.Sync)
	}
	if c.Instance == "" {
		c.Instance = defaultInstance(c.HTTPAddr)
	}
	if n, err := raiseFileLimit(); err != nil || n < 20000 {
		m.Log.Warn("few open files allowed; each charger and widget needs one", "limit", n, "err", err)
	}
	if err := os.MkdirAll(c.DataDir, 0o755); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if c.StaffToken == "" {
		if c.StaffToken, err = loadOrMakeToken(filepath.Join(c.DataDir, "staff-token")); err != nil {
			return err
		}
	}
	runCtx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel

	t0 := time.Now()
	url := c.NATSURL
	if url == "" {
		m.Embedded, err = eventstore.StartEmbedded(eventstore.EmbeddedConfig{
			DataDir: filepath.Join(c.DataDir, "jetstream"), Listen: c.NATSListen, Sync: c.Sync})
		if err != nil {
			return fmt.Errorf("start embedded NATS: %w", err)
		}
		url = m.Embedded.ClientURL()
		// Leave the address for the ops tools (replay, report, rebuild).
		if err := os.WriteFile(filepath.Join(c.DataDir, natsURLFile), []byte(url+"\n"), 0o644); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
	}
	// The embedded server too is reached over loopback TCP: an in-process
	// connection (net.Pipe) hands every write to the server's reader
	// goroutine while holding the connection's lock, which at 8,000
	// readings/s cost more CPU and a longer tail than the socket's syscalls.
	var opts []nats.Option
	if m.Embedded == nil {
		if opts, err = c.NATSAuth.options(); err != nil {
			return err
		}
	}
	m.NC, err = eventstore.Connect(url, append(opts, nats.Name("chargebooth "+c.Instance))...)
	if err != nil {
		return fmt.Errorf("connect to NATS at %s: %w", url, err)
	}
	openCtx, openCancel := context.WithTimeout(ctx, 30*time.Second)
	defer openCancel()
	err = retryUnavailable(openCtx, func(ctx context.Context) (err error) {
		m.Store, err = eventstore.Open(ctx, m.NC, eventstore.Config{Replicas: c.Replicas, MaxAge: c.Retention, MaxBytes: c.MaxBytes})
		return err
	})
	if err != nil {
		return fmt.Errorf("open event store: %w", err)
	}

	m.Log.Debug("event store open", "took", time.Since(t0))
	m.Board = projections.NewBoard(c.Tariff)
	m.restoreCheckpoint(openCtx)
	m.Log.Debug("checkpoint restored", "took", time.Since(t0))
	if m.startSeq, err = m.Store.LastSequence(openCtx); err != nil {
		return fmt.Errorf("read stream: %w", err)
	}
	m.Service = domain.NewService(m.Store, m.Clock, func() string { return ulid.Make().String() }, c.Tariff)
	m.Service.SetShared(c.NATSURL != "")

	m.Metrics = metrics.New(metrics.Options{StreamLastSeq: m.lastSeq.Load, Applied: m.Board.Applied, Log: m.Log})
	m.Board.Listen(func(u projections.Update) { m.Metrics.EventApplied(u.Event.Type) })
	m.lastSeq.Store(m.startSeq)
	m.Widgets = widget.New(widget.Config{Service: m.Service, Board: m.Board, Instance: c.Instance,
		Log: m.Log, Event: c.WidgetEvent, Observer: m.Metrics.Widgets()})
	auth, err := loadChargerAuth(c.ChargerAuth)
	if err != nil {
		return err
	}
	allow, err := loadAllowList(c.ChargerAllow)
	if err != nil {
		return err
	}
	if c.BootPolicy != charger.PolicyPending && c.BootPolicy != charger.PolicyReject {
		return fmt.Errorf("--boot-policy must be pending or reject, not %q", c.BootPolicy)
	}
	rem := &remote{}
	if c.NATSURL != "" {
		rem.bus = eventstore.NewCommands(m.NC, "")
	}
	m.Chargers = charger.New(charger.Config{Service: m.Service, Board: m.Board, Instance: c.Instance, Log: m.Log,
		Auth: auth, Observer: m.Metrics.Chargers(), Held: rem.held})
	rem.local = m.Chargers
	m.Chargers.EnableOCPP(charger.OCPPConfig{HeartbeatInterval: c.Heartbeat, Allow: allow, Unknown: c.BootPolicy})

	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		m.follow(runCtx)
	}()
	if err := retryUnavailable(openCtx, m.applyPairings); err != nil {
		return err
	}
	// Ready only once the pairings just stored are folded too.
	if m.startSeq, err = m.Store.LastSequence(openCtx); err != nil {
		return fmt.Errorf("read stream: %w", err)
	}

	api := httpapi.New(httpapi.Config{
		Service: m.Service, Board: m.Board, Store: m.Store, Token: c.StaffToken, Clock: m.Clock,
		AllowedOrigins: splitList(c.Origins), Log: m.Log, Ready: m.ready, Dashboard: dashboard.Handler(),
		Remote: rem, RemoteTimeout: c.RemoteTimeout, Metrics: m.Metrics.Handler(), Observe: m.Metrics.ObserveHTTP,
	})
	m.api = api
	m.Metrics.SetLiveClientsFunc(api.LiveClients)
	if m.ChargerURL, err = m.listen(c.ChargerAddr, m.Chargers.Handler()); err != nil {
		return fmt.Errorf("charger endpoint: %w", err)
	}
	if m.WidgetURL, err = m.listen(c.WidgetAddr, m.Widgets.Handler()); err != nil {
		return fmt.Errorf("widget endpoint: %w", err)
	}
	var httpHandler http.Handler = api.Handler()
	if c.Pprof {
		httpHandler = withPprof(httpHandler)
	}
	if m.HTTPURL, err = m.listen(c.HTTPAddr, httpHandler); err != nil {
		return fmt.Errorf("http endpoint: %w", err)
	}
	reminders := &policy.Reminders{Board: m.Board, Service: m.Service, Clock: m.Clock, CollectAfter: c.CollectAfter, Log: m.Log}
	m.wg.Add(3)
	go func() {
		defer m.wg.Done()
		m.waitReady(runCtx)
		reminders.Run(runCtx)
	}()
	go func() {
		defer m.wg.Done()
		m.watchStream(runCtx)
	}()
	go func() {
		defer m.wg.Done()
		m.checkpointLoop(runCtx)
	}()
	m.printBanner(url)
	return nil
}

// Close stops the endpoints, checkpoints and disconnects.
func (m *Main) Close() error {
	m.closeOnce.Do(func() {
		if m.Chargers != nil {
			m.Chargers.Close()
		}
		if m.Widgets != nil {
			m.Widgets.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, s := range m.servers {
			_ = s.Shutdown(ctx)
		}
		if m.api != nil {
			m.api.Close()
		}
		if m.Store != nil && m.ready() == nil {
			// Fold what the closing sockets stored, then checkpoint.
			if last, err := m.Store.LastSequence(ctx); err == nil {
				for m.Board.Applied() < last && ctx.Err() == nil {
					time.Sleep(10 * time.Millisecond)
				}
			}
			m.saveCheckpoint(ctx)
		}
		if m.cancel != nil {
			m.cancel()
		}
		m.wg.Wait()
		if m.NC != nil {
			m.NC.Close()
		}
		if m.Embedded != nil {
			m.Embedded.Shutdown()
			_ = os.Remove(filepath.Join(m.Config.DataDir, natsURLFile))
		}
	})
	return nil
}

// follow feeds the board from the stream through this instance's durable
// consumer, resuming after errors.
func (m *Main) follow(ctx context.Context) {
	name := "projections-" + m.Config.Instance
	for ctx.Err() == nil {
		err := m.Store.Follow(ctx, name, m.Board.Applied(), m.Board.Apply)
		if ctx.Err() != nil {
			return
		}
		m.Log.Error("projection consumer stopped; restarting", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// retryUnavailable retries f, each attempt bounded to a few seconds, while
// the store is unavailable (a NATS cluster electing its leaders at
// start-up can leave a request unanswered), until ctx ends.
func retryUnavailable(ctx context.Context, f func(context.Context) error) error {
	for {
		attempt, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := f(attempt)
		cancel()
		if err == nil || !errors.Is(err, domain.ErrUnavailable) || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// ready is nil once the store answers and the projections caught up with
// the stream as it was at start.
func (m *Main) ready() error {
	if applied := m.Board.Applied(); applied < m.startSeq {
		return fmt.Errorf("projections catching up: %d of %d events", applied, m.startSeq)
	}
	if !m.NC.IsConnected() {
		return errors.New("not connected to NATS")
	}
	return nil
}

// watchStream keeps the stream's last sequence fresh for the lag metric.
func (m *Main) watchStream(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		if seq, err := m.Store.LastSequence(c); err == nil {
			m.lastSeq.Store(seq)
		}
		cancel()
	}
}

func (m *Main) waitReady(ctx context.Context) {
	for m.ready() != nil {
		select {
		case <-ctx.Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (m *Main) listen(addr string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(m.Log.Handler(), slog.LevelDebug)}
	m.servers = append(m.servers, srv)
	go func() { _ = srv.Serve(ln) }()
	return hostURL(ln.Addr()), nil
}

// hostURL turns a listener address into host:port a local client can dial.
func hostURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	host := "localhost"
	if !tcp.IP.IsUnspecified() {
		host = tcp.IP.String()
	}
	return net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}

func (m *Main) printBanner(natsURL string) {
	w := m.Stdout
	fmt.Fprintf(w, "chargebooth %s is up\n", m.Config.Instance)
	fmt.Fprintf(w, "  chargers   ws://%s/chargers/{chargerId}\n", m.ChargerURL)
	fmt.Fprintf(w, "  widgets    ws://%s/widgets/{widgetId}\n", m.WidgetURL)
	fmt.Fprintf(w, "  dashboard  http://%s/?token=%s\n", m.HTTPURL, m.Config.StaffToken)
	fmt.Fprintf(w, "  staff API  http://%s/api/  (Authorization: Bearer %s)\n", m.HTTPURL, m.Config.StaffToken)
	fmt.Fprintf(w, "  metrics    http://%s/metrics   health /healthz   ready /readyz\n", m.HTTPURL)
	if m.Embedded != nil {
		fmt.Fprintf(w, "  NATS       %s (embedded, data in %s)\n", natsURL, m.Config.DataDir)
	} else {
		fmt.Fprintf(w, "  NATS       %s (external)\n", natsURL)
	}
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", format)
}

func defaultInstance(httpAddr string) string {
	host, _ := os.Hostname()
	_, port, _ := net.SplitHostPort(httpAddr)
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, host+"-"+port)
	return strings.Trim(name, "-")
}

// loadOrMakeToken keeps the staff token in the data directory.
func loadOrMakeToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	tok := hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("keep staff token: %w", err)
	}
	return tok, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// applyPairings stores the start-up pairings domain.Pairings.Configure
// decides: the demo pairing on a fresh store (unless --no-demo) and the
// --pairings file, which overrides.
func (m *Main) applyPairings(ctx context.Context) error {
	var file map[string]string
	if m.Config.Pairings != "" {
		b, err := os.ReadFile(m.Config.Pairings)
		if err != nil {
			return fmt.Errorf("--pairings: %w", err)
		}
		if file, err = domain.ParsePairingsFile(b); err != nil {
			return fmt.Errorf("--pairings %s: %w", m.Config.Pairings, err)
		}
	}
	_, err := m.Service.OnPairings(ctx, func(p *domain.Pairings, x domain.Ctx) ([]domain.Event, error) {
		evs, err := p.Configure(x, file, !m.Config.NoDemo)
		if err != nil {
			return nil, fmt.Errorf("--pairings %w", err)
		}
		return evs, nil
	})
	return err
}
