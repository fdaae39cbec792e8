package metrics

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every chargebooth family.
const namespace = "chargebooth"

// latencyBuckets are the histogram buckets, in seconds, from 100 µs to 5 s.
var latencyBuckets = []float64{
	0.0001, 0.00025, 0.0005,
	0.001, 0.0025, 0.005,
	0.01, 0.025, 0.05,
	0.1, 0.25, 0.5,
	1, 2.5, 5,
}

// Options configures New. Every field is optional.
type Options struct {
	// StreamLastSeq returns the last sequence in the event stream. It is
	// called on every scrape, so it must be cheap (a cached value, not a
	// round trip to NATS). Nil reads as 0.
	StreamLastSeq func() uint64
	// Applied returns the last stream sequence the projections applied. It
	// is called on every scrape and must be cheap. Nil reads as 0.
	Applied func() uint64
	// LiveClients, when non-nil, is read at scrape time for
	// chargebooth_live_clients instead of the count kept by
	// (*Metrics).LiveClients. SetLiveClientsFunc can set it later.
	LiveClients func() int
	// StoreState, when non-nil, says whether this instance can store right
	// now: "" when it can, else the domain error code saying why
	// (domain.CodeStoreFull, domain.CodeStoreDown). Read on every scrape into
	// chargebooth_store_ready and chargebooth_store_full; it must be cheap.
	StoreState func() string
	// Log receives errors met while serving a scrape; nil discards them.
	Log *slog.Logger
}

// Metrics holds chargebooth's Prometheus collectors and their registry.
// Make one with New; every method is safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry
	log *slog.Logger

	chargers *ChargerObserver
	widgets  *WidgetObserver

	liveCount atomic.Int64               // kept by LiveClients(delta)
	liveFunc  atomic.Pointer[func() int] // overrides liveCount when set
	socketIO  socketIO                   // chargebooth_socketio_clients, once set

	httpRequests *children[prometheus.Counter]  // {route, code}
	httpSeconds  *children[prometheus.Observer] // {route}

	eventsApplied     *children[prometheus.Counter] // {type}
	eventsUnknown     *children[prometheus.Counter] // {type}
	eventsQuarantined *prometheus.CounterVec        // {type, reason}
	ocppRefused       *prometheus.CounterVec        // {reason}
	ocppCalls         *ocppCallMetrics
	devicesRefused    *prometheus.CounterVec // {kind, cause}

	conns conns // connections_refused_total, connections_open
}

// New makes a Metrics with its own registry holding the Go and process
// collectors and every chargebooth family.
func New(opts Options) *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{reg: reg, log: log}
	if opts.LiveClients != nil {
		m.SetLiveClientsFunc(opts.LiveClients)
	}
	m.chargers = newChargerObserver(reg)
	m.widgets = newWidgetObserver(reg)
	m.registerLive()
	m.registerHTTP()
	m.registerEvents()
	m.registerOCPP()
	m.ocppCalls = newOCPPCallMetrics(m.reg)
	m.registerDevices()
	m.registerConns()
	registerLag(reg, opts.StreamLastSeq, opts.Applied)
	registerStore(reg, opts.StoreState)
	return m
}

// Registry returns the registry behind Handler, for callers that want to
// add collectors of their own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition formats. A
// collector that fails is logged and the rest are still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slogPrinter{m.log},
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.reg,
	})
}

// slogPrinter adapts slog to promhttp's Logger.
type slogPrinter struct{ log *slog.Logger }

// Println logs a scrape error.
func (p slogPrinter) Println(v ...any) {
	p.log.Error("metrics scrape", "error", slogJoin(v))
}

// slogJoin formats promhttp's Println arguments as one string.
func slogJoin(v []any) string {
	return strings.TrimSuffix(fmt.Sprintln(v...), "\n")
}
