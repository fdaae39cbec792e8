package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/chargebooth/chargebooth/adapters/charger"
	"github.com/chargebooth/chargebooth/adapters/customer"
	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/adapters/livefeed"
	"github.com/chargebooth/chargebooth/adapters/metrics"
	"github.com/chargebooth/chargebooth/adapters/ocpp"
	"github.com/chargebooth/chargebooth/adapters/socketio"
	"github.com/chargebooth/chargebooth/adapters/widget"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/internal/gcfloor"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/chargebooth/chargebooth/projections/runtime"
	"github.com/nats-io/nats.go"
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
	MaxStore      byteSize
	LeaseTTL      time.Duration
	Replicas      int
	Origins       string
	AllowedHosts  string
	TrustProto    bool
	DeviceOrigins string
	Checkpoint    time.Duration
	NoDemo        bool
	Heartbeat     time.Duration
	ChargerAuth   string
	ChargerAllow  string
	BootPolicy    string
	IDTags        string
	RemoteTimeout time.Duration
	OCPPRate      float64
	OCPPBurst     int
	OCPPMeter     ocpp.MeterLimits
	OCPPReadLimit byteSize
	OCPPCalls     ocppCallFlags
	NATSAuth      natsAuth
	NATSLock      natsLock
	CPUProfile    string
	GCPerSocket   byteSize // the collector's heap goal is at least this per open device socket (internal/gcfloor)
	Pprof         bool
	Devices       devicesConfig
	// Money holds the closing time (serve_money.go).
	Money moneyConfig
	// TLS holds the TLS, connection-cap and HTTP-timeout flags (serve_tls.go).
	TLS tlsFlags
	// Staff holds the staff sign-in flags (serve_staff.go).
	Staff staffFlags
	// Tickets holds the claim-ticket flags (serve_tickets.go).
	Tickets ticketFlags
}

// flags registers serve's flags on fs.
func (c *ServeConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", "./data", "data directory (embedded JetStream store, staff token)")
	fs.StringVar(&c.NATSURL, "nats-url", "", "external NATS URL(s), comma separated; disables the embedded server")
	fs.StringVar(&c.NATSListen, "nats-listen", "127.0.0.1:4222", "embedded NATS client address (loopback unless --nats-allow-remote)")
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
	fs.Var(&c.MaxStore, "max-store", "embedded JetStream's storage limit (bytes, or with KiB/MiB/GiB); past it events are refused as store_full until space returns or PUT /api/store raises it (default: what the disk offers, re-checked)")
	fs.DurationVar(&c.LeaseTTL, "lease-ttl", eventstore.DefaultLeaseTTL, "how long an instance's lease lasts without renewal; the sockets of an instance whose lease expired are marked offline by the others")
	fs.IntVar(&c.Replicas, "replicas", 1, "stream and consumer replicas (1 or 3; 3 needs a NATS cluster)")
	fs.StringVar(&c.Origins, "allowed-origins", "", "extra origins (scheme://host:port) allowed on /api/live, comma separated")
	fs.StringVar(&c.AllowedHosts, "allowed-hosts", "", "host names the booth is reached by (booth.local,…): the live feed accepts its own origin only on an IP address, localhost or one of these (DNS rebinding)")
	fs.BoolVar(&c.TrustProto, "trust-forwarded-proto", false, "take the request's scheme from X-Forwarded-Proto (only behind a proxy that terminates TLS and sets it)")
	fs.StringVar(&c.DeviceOrigins, "device-origins", "", "browser origins allowed on the charger and widget endpoints, comma separated (default none: a web page cannot act as a device)")
	fs.DurationVar(&c.Checkpoint, "checkpoint-every", 30*time.Second, "how often projections are checkpointed (also at shutdown); 0 turns checkpoints off: every start folds the whole stream")
	fs.BoolVar(&c.NoDemo, "no-demo", false, "do not create the demo pairing c1234 ↔ wABCD on a fresh store")
	fs.DurationVar(&c.Heartbeat, "heartbeat-interval", 5*time.Minute, "OCPP heartbeat interval told to chargers at boot")
	fs.StringVar(&c.ChargerAuth, "charger-auth", "", `JSON file {"c1234":"<bcrypt hash>"}: chargers must log in with HTTP Basic auth (OCPP security profile 1); make hashes with "chargebooth passwd"`)
	fs.StringVar(&c.ChargerAllow, "charger-allow", "", "file with the OCPP charger ids (one a line) whose BootNotification is Accepted (default: all)")
	fs.DurationVar(&c.RemoteTimeout, "remote-timeout", 30*time.Second, "how long remote start/stop and POST /api/chargers/{id}/ocpp/{action} wait for the charger's answer before 504")
	fs.Float64Var(&c.OCPPRate, "ocpp-rate", float64(ocpp.DefaultRate), "OCPP messages a second one charger connection may send; more are answered GenericError and not served")
	fs.IntVar(&c.OCPPBurst, "ocpp-burst", ocpp.DefaultBurst, "OCPP messages one charger connection may send at once (a reconnecting charger replays its offline queue)")
	fs.IntVar(&c.OCPPMeter.Samples, "ocpp-max-samples", ocpp.DefaultMaxSamples, "most sampled values in one MeterValues; more and the message is refused whole")
	c.OCPPReadLimit = byteSize(ocpp.DefaultReadLimit)
	fs.Var(&c.OCPPReadLimit, "ocpp-read-limit", "largest OCPP frame read (bytes, or with KiB/MiB); a larger one closes the socket with 1009 (the simple protocol keeps 64 KiB)")
	fs.IntVar(&c.OCPPMeter.ValueLength, "ocpp-max-value-length", ocpp.DefaultMaxValueLength, "most characters of one sampled value (SignedData may be longer)")
	c.OCPPCalls.flags(fs)
	c.NATSAuth.flags(fs)
	c.NATSLock.flags(fs)
	c.GCPerSocket = defaultGCPerSocket
	fs.Var(&c.GCPerSocket, "gc-heap-per-socket", "the garbage collector lets the heap grow to at least this much per open charger and widget socket before it runs (bytes, or with KiB; 0: GOGC alone paces it); above that GOGC paces it as usual, and GOMEMLIMIT still bounds it")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile to this file until the server stops")
	fs.BoolVar(&c.Pprof, "pprof", false, "serve net/http/pprof under /debug/pprof/ on the HTTP address (no token: keep it off on open networks)")
	fs.StringVar(&c.IDTags, "id-tags", "open", "OCPP id tags: open (every tag is Accepted) or list (Authorize and StartTransaction answer from /api/id-tags; an unknown tag is Invalid)")
	fs.StringVar(&c.BootPolicy, "boot-policy", "pending", "OCPP boot answer for chargers not on --charger-allow: pending or reject")
	c.Devices.flags(fs)
	c.Money.flags(fs)
	c.TLS.flags(fs)
	c.Staff.flags(fs)
	c.Tickets.flags(fs)
}

// defaultGCPerSocket is --gc-heap-per-socket's default: a little under the
// heap goal per open socket that GOGC's pacing reaches anyway with every
// charger reading once a second (200-240 MB for 8,000 pairs, 16,000
// parked sockets, at defaultGOGC), so that while thousands of sockets and
// sessions open at once, and the live heap is still growing, the collector
// runs only about as often as it will then rather than every few hundred
// milliseconds, and in steady state GOGC alone paces it.
const defaultGCPerSocket = 12 << 10

// defaultGOGC is the collector's percentage serve sets unless the GOGC
// environment variable says otherwise: a heap goal of the live heap plus
// three quarters of it rather than all of it. At 8,000 pairs it holds RSS
// ~30 MiB lower than GOGC=100 for no measurable CPU (BENCHMARKS.md).
const defaultGOGC = 75

// gcPercent returns the percentage serve sets (see defaultGOGC), and false
// when GOGC is set in the environment, which then decides.
func gcPercent(getenv func(string) string) (int, bool) {
	if getenv("GOGC") != "" {
		return 0, false
	}
	return defaultGOGC, true
}

// gcFloor is the heap goal's floor for the open device sockets (nil: none).
func (m *Main) gcFloor() func() uint64 {
	per := uint64(m.Config.GCPerSocket)
	if per == 0 {
		return nil
	}
	return func() uint64 { return per * uint64(m.Chargers.Sockets()+m.Widgets.Sockets()) }
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
	// The collector's settings are the process's: set here, not in Main,
	// which tests run many of in one process.
	if percent, ok := gcPercent(os.Getenv); ok {
		debug.SetGCPercent(percent)
	}
	floor := gcfloor.Start(m.gcFloor())
	defer floor.Stop()
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
	Leases   *eventstore.Leases
	Board    *projections.Board
	Runtime  *runtime.Runtime
	Service  *domain.Service
	Chargers *charger.Server
	Widgets  *widget.Server
	Metrics  *metrics.Metrics
	// Live is the live feed every socket edge serves (/api/live, …).
	Live *livefeed.Feed

	// Addresses actually listened on (useful with port 0).
	ChargerURL, WidgetURL, HTTPURL string

	natsURL   string // where the store is: the embedded server's or --nats-url
	epoch     string // this process's connection epoch (domain.ConnID)
	servers   []*http.Server
	tls       tlsRuntime // TLS listeners, certificate source, caps (serve_tls.go)
	api       *httpapi.API
	sio       *socketio.Server
	cancel    context.CancelFunc // ends the background work of bg
	bg        sync.WaitGroup
	closeOnce sync.Once

	customer *customer.Server // the customer page (serve_tickets.go)
}

// ParseFlags reads serve's flags and environment.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("chargebooth serve", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	m.Config.flags(fs)
	return parseWithEnv(fs, args)
}

// Run starts the server and returns once everything listens.
func (m *Main) Run(ctx context.Context) error {
	if err := m.configure(); err != nil {
		return err
	}
	bgCtx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	openCtx, openCancel := context.WithTimeout(ctx, 30*time.Second)
	defer openCancel()
	start := time.Now()
	if err := m.openStore(openCtx); err != nil {
		return err
	}
	m.Log.Info("event store open", "took", time.Since(start).Round(time.Millisecond))
	if err := m.startReadSide(openCtx); err != nil {
		return err
	}
	m.Log.Info("read side started", "took", time.Since(start).Round(time.Millisecond))
	if err := m.startEdges(); err != nil {
		return err
	}
	m.startPolicies(bgCtx)
	m.printBanner()
	return nil
}

// Close stops the endpoints, folds what they stored, checkpoints and
// disconnects.
func (m *Main) Close() error {
	m.closeOnce.Do(func() {
		if m.Chargers != nil {
			m.Chargers.Close()
		}
		if m.Widgets != nil {
			m.Widgets.Close()
		}
		if m.sio != nil {
			m.sio.Close() // before Shutdown: its long-polls would hold it
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if m.customer != nil {
			m.customer.Close()
		}
		for _, s := range m.servers {
			_ = s.Shutdown(ctx)
		}
		if m.api != nil {
			m.api.Close()
		}
		if m.Live != nil {
			m.Live.Close()
		}
		if m.cancel != nil {
			m.cancel()
		}
		m.bg.Wait()
		if m.Runtime != nil {
			if state, _ := m.Runtime.Status(); state == runtime.StateCaughtUp {
				// Fold what the closing sockets stored, then checkpoint.
				if err := m.Runtime.Drain(ctx); err != nil {
					m.Log.Warn("projections not drained at shutdown", "err", err)
				}
			}
			_ = m.Runtime.Close()
		}
		if m.Store != nil {
			m.Store.Close()
		}
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

// background runs f until Close.
func (m *Main) background(f func()) {
	m.bg.Add(1)
	go func() {
		defer m.bg.Done()
		f()
	}()
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
