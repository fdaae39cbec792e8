package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/chargebooth/chargebooth/adapters/livefeed"
	"github.com/chargebooth/chargebooth/adapters/wsconn"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

// RemoteCommander sends OCPP remote calls to a connected charger and
// returns the charger's answer (the CALLRESULT payload). It returns a
// domain error with code "not_connected" when the charger has no socket on
// this instance and "not_ocpp" when it does not speak OCPP; both become
// 409. A context deadline becomes 504.
type RemoteCommander interface {
	RemoteStart(ctx context.Context, chargerID, idTag string, connectorID int) (json.RawMessage, error)
	RemoteStop(ctx context.Context, chargerID string, transactionID int) (json.RawMessage, error)
}

// Config is what the HTTP API needs. Service, Board and Store are required.
type Config struct {
	// Service runs the staff commands.
	Service *domain.Service
	// Board answers queries and feeds the live feed.
	Board *projections.Board
	// Store reads session timelines.
	Store domain.EventStore
	// Token is the staff bearer token; empty refuses every /api/ request.
	Token string
	// Clock prices open sessions and defaults report ranges; nil is time.Now.
	Clock domain.Clock
	// AllowedOrigins lists extra origins ("https://booth.example") allowed
	// to open the live feed, compared by scheme, host and port (see
	// wsconn.OriginPolicy). The request's own origin is allowed when its
	// Host is an IP address, localhost, a name in AllowedHosts or the host
	// of an allowed origin (a DNS-rebound name is none of these).
	AllowedOrigins []string
	// AllowedHosts lists host names (no port) the booth is reached by,
	// trusted for the live feed's same-origin check.
	AllowedHosts []string
	// TrustForwardedProto takes the request's scheme from
	// X-Forwarded-Proto for the same-origin check: only behind a proxy
	// that terminates TLS and sets it.
	TrustForwardedProto bool
	// Log receives request logs (debug) and internal errors; nil discards.
	Log *slog.Logger
	// Remote sends OCPP remote start/stop; nil answers 501.
	Remote RemoteCommander
	// OCPP sends any server-initiated OCPP call (POST
	// /api/chargers/{id}/ocpp/{action}); nil takes Remote when it is an
	// OCPPCaller too, and answers 501 when it is not.
	OCPP OCPPCaller
	// Ready tells /readyz whether the server is ready (nil error) or why
	// not; a nil func is always ready.
	Ready func() error
	// Metrics is served at /metrics when non-nil.
	Metrics http.Handler
	// Dashboard is served at / when non-nil.
	Dashboard http.Handler
	// Observe, when non-nil, hears every request: the route pattern (such
	// as "GET /api/chargers/{id}"), the status code and the duration.
	Observe func(route string, code int, dur time.Duration)
	// RemoteTimeout bounds how long remote start/stop and the OCPP call
	// route wait for the charger's answer before 504; 0 means 30s.
	RemoteTimeout time.Duration
	// WaitApplied returns once the board has applied seq (or ctx ended):
	// a command waits on it before answering, so the answer and the
	// caller's next GET reflect what it stored. Required (the projection
	// runtime's WaitApplied); without it commands answer without waiting
	// and New logs an error.
	WaitApplied func(ctx context.Context, seq uint64) error
	// WaitTimeout bounds how long a command waits for the board to apply
	// what it stored before answering; 0 means 2s.
	WaitTimeout time.Duration
	// StoreLimit, when set, shows and changes the event store's storage
	// limit at GET and PUT /api/store (the embedded server's; nil with an
	// external NATS, whose limits are its own).
	StoreLimit StoreLimit
	// SessionTTL is how long a dashboard session lasts; 0 means 12h.
	SessionTTL time.Duration
	// FailBurst and FailEvery throttle failed credentials per source
	// address: FailBurst failures, then one more every FailEvery; 0 means
	// 10 and 2s.
	FailBurst int
	FailEvery time.Duration
	// Closing is the booth's daily closing time (--closes-at), when set:
	// a shift still open from before it is flagged openAtClosing.
	Closing *domain.Closing
	// Tickets configures claim checks and printed tickets (claim.go).
	Tickets Tickets
	// Live is the live feed /api/live serves, shared with the other
	// socket edges; nil makes one on Board with History (closed by Close).
	Live *livefeed.Feed
	// History lets the live feed New makes recover past events (since,
	// sinceTime); nil refuses them. Unused when Live is set.
	History domain.History
}

// StoreLimit is the event store's storage limit, changeable at runtime.
type StoreLimit interface {
	// MaxStore returns the limit in force in bytes (-1: none).
	MaxStore() int64
	// SetMaxStore changes the limit; 0 makes it follow the disk.
	SetMaxStore(n int64) error
	// Full returns why writes are refused for lack of space, or nil.
	Full() error
}

// API is the staff and ops HTTP API. Make one with New.
type API struct {
	cfg     Config
	now     domain.Clock
	log     *slog.Logger
	mux     *http.ServeMux
	handler http.Handler
	hub     *hub
	ownFeed bool // the feed is New's, closed by Close
	origins *wsconn.OriginPolicy
	table   []Route         // every route, in registration order
	roleOf  map[string]Role // pattern → the role it needs

	throttle *throttle
	revokeMu sync.Mutex     // guards revoked
	revoked  []func(string) // OnRevoked's functions
}

// New builds the API; without Config.Live it makes the live feed, which
// listens on cfg.Board.
func New(cfg Config) *API {
	a := &API{cfg: cfg, now: cfg.Clock, log: cfg.Log, mux: http.NewServeMux()}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if a.cfg.WaitTimeout <= 0 {
		a.cfg.WaitTimeout = 2 * time.Second
	}
	if a.cfg.WaitApplied == nil {
		a.log.Error("httpapi: Config.WaitApplied is not set; commands answer before the board shows what they stored")
		a.cfg.WaitApplied = func(context.Context, uint64) error { return errNoWait }
	}
	a.origins = wsconn.SameOriginUnlessValid(wsconn.OriginConfig{What: "open the live feed", Allowed: cfg.AllowedOrigins, Hosts: cfg.AllowedHosts, TrustForwardedProto: cfg.TrustForwardedProto}, a.log)
	a.throttle = newThrottle(cfg.FailBurst, cfg.FailEvery)
	if a.cfg.SessionTTL <= 0 {
		a.cfg.SessionTTL = defaultSessionTTL
	}
	if cfg.Board != nil {
		cfg.Board.Listen(a.watchRevocations)
	}
	feed := cfg.Live
	if feed == nil {
		feed = livefeed.New(livefeed.Config{Board: cfg.Board, History: cfg.History, Log: a.log})
		a.ownFeed = true
	}
	a.hub = newHub(a.log, feed)
	a.hub.revoked = a.revokedSince
	a.routes()
	a.handler = http.HandlerFunc(a.serve)
	return a
}

// Handler returns the HTTP handler serving every route.
func (a *API) Handler() http.Handler { return a.handler }

// Close disconnects every live-feed client (and closes the live feed when
// New made it). Call it when the HTTP server shuts down: hijacked
// WebSocket connections outlive http.Server.Shutdown.
func (a *API) Close() {
	a.hub.closeAll()
	if a.ownFeed {
		a.hub.feed.Close()
	}
}

// LiveClients returns how many live-feed clients are connected (for a
// metrics gauge).
func (a *API) LiveClients() int { return a.hub.count() }

func (a *API) routes() {
	m := a.mux
	a.handle("GET /api/chargers", RoleStaff, a.listChargers)
	a.handle("GET /api/chargers/{id}", RoleStaff, a.getCharger)
	a.handle("POST /api/chargers/{id}/remote-start", RoleOps, a.remoteStart)
	a.handle("POST /api/chargers/{id}/remote-stop", RoleOps, a.remoteStop)
	a.handle("POST /api/chargers/{id}/ocpp/{action}", RoleOps, a.ocppCall)
	a.handle("GET /api/chargers/{id}/timeline", RoleStaff, a.chargerTimeline)
	a.handle("DELETE /api/chargers/{id}", RoleOps, a.retireCharger)
	a.handle("GET /api/devices", RoleOps, a.listDevices)
	a.handle("GET /api/devices/{kind}/{id}", RoleOps, a.getDevice)
	a.handle("PUT /api/devices/{kind}/{id}", RoleOps, a.enrolDevice)
	a.handle("DELETE /api/devices/{kind}/{id}", RoleOps, a.unenrolDevice)

	a.handle("GET /api/id-tags", RoleOps, a.listIDTags)
	a.handle("GET /api/id-tags/{tag}", RoleOps, a.getIDTag)
	a.handle("PUT /api/id-tags/{tag}", RoleOps, a.putIDTag)
	a.handle("DELETE /api/id-tags/{tag}", RoleOps, a.deleteIDTag)
	a.handle("POST /api/chargers/{id}/local-list", RoleOps, a.pushLocalList)

	a.handle("GET /api/pairings", RoleStaff, a.listPairings)
	a.handle("GET /api/pairings/{chargerId}", RoleStaff, a.getPairing)
	a.handle("PUT /api/pairings/{chargerId}", RoleOps, a.putPairing)
	a.handle("DELETE /api/pairings/{chargerId}", RoleOps, a.deletePairing)

	a.handle("GET /api/sessions", RoleStaff, a.listSessions)
	a.handle("POST /api/sessions", RoleStaff, a.checkIn)
	a.handle("GET /api/sessions/{id}", RoleStaff, a.getSession)
	a.handle("POST /api/sessions/{id}/payments", RoleStaff, a.recordPayment)
	a.handle("POST /api/sessions/{id}/handback", RoleStaff, a.handBack)
	a.handle("POST /api/sessions/{id}/handback-override", RoleLead, a.handBackOverride)
	a.handle("GET /tickets/{id}", RoleStaff, a.ticketPage)
	m.HandleFunc("GET /tickets/ticket.css", serveTicketCSS)

	a.handle("GET /api/reports/reconciliation", RoleStaff, a.reconciliation)
	a.moneyRoutes() // voids, refunds, till shifts (money.go)

	a.handle("GET /api/notices", RoleStaff, a.listNotices)
	a.handle("POST /api/notices", RoleOps, a.scheduleNotice)

	a.handle("GET /api/store", RoleOps, a.getStore)
	a.handle("PUT /api/store", RoleOps, a.putStore)

	a.handle("GET /api/live", RoleStaff, a.live)

	a.handle("POST /api/login", RolePublic, a.login)
	a.handle("POST /api/logout", RolePublic, a.logout)
	a.handle("GET /api/me", RoleStaff, a.me)
	a.handle("GET /api/staff", RoleAdmin, a.listStaff)
	a.handle("POST /api/staff", RoleAdmin, a.addStaff)
	a.handle("PATCH /api/staff/{id}", RoleAdmin, a.changeStaff)
	a.handle("DELETE /api/staff/{id}", RoleAdmin, a.disableStaff)
	a.handle("GET /api/audit", RoleLead, a.audit)
	a.handle("GET /api/openapi.json", RoleStaff, a.openAPI)
	m.HandleFunc("/api/", a.apiFallback)

	m.HandleFunc("GET /healthz", a.healthz)
	m.HandleFunc("GET /readyz", a.readyz)
	if a.cfg.Metrics != nil {
		m.Handle("GET /metrics", a.cfg.Metrics)
	}
	if a.cfg.Dashboard != nil {
		m.Handle("/", a.cfg.Dashboard)
	}
}
