package socketio

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/chargebooth/chargebooth/adapters/livefeed"
	"github.com/chargebooth/chargebooth/adapters/wsconn"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// Path is where the edge is served on the HTTP port.
const Path = "/socket.io/"

// Config is what the Socket.IO edge needs. Service, Board, API and
// Authenticate are required.
type Config struct {
	// Service schedules reminders (notices).
	Service *domain.Service
	// Board answers notice lookups.
	Board *projections.Board
	// Feed is the live feed the sockets subscribe to (with History, so
	// that a reconnecting client resumes from its offset).
	Feed *livefeed.Feed
	// API is the staff HTTP API's handler: the staff commands run through
	// it in-process, with the socket's credentials.
	API http.Handler
	// Authenticate checks a handshake's token (from auth.token, the token
	// query parameter or Authorization: Bearer; "" when the request has
	// only cookies) and returns who it is; an error refuses the
	// connection. The staff commands carry the same token and cookies to
	// the API.
	Authenticate func(r *http.Request, token string) (domain.Actor, error)
	// Clock is the server's clock; nil is time.Now.
	Clock domain.Clock
	// WaitApplied, when set, makes scheduleEvent answer once the board
	// shows the new notice.
	WaitApplied func(ctx context.Context, seq uint64) error
	// AllowedOrigins, AllowedHosts and TrustForwardedProto are the live
	// feed's origin rules (see httpapi.Config): a browser page of another
	// origin is refused with 403.
	AllowedOrigins      []string
	AllowedHosts        []string
	TrustForwardedProto bool
	// Log receives connection logs (debug) and internal errors; nil
	// discards.
	Log *slog.Logger
	// PingInterval and PingTimeout are Engine.IO's heartbeat; 0 means 25s
	// and 20s (Socket.IO's defaults).
	PingInterval, PingTimeout time.Duration
}

// Server is the Socket.IO edge. Make one with New.
type Server struct {
	cfg     Config
	now     domain.Clock
	log     *slog.Logger
	io      *socket.Server
	handler http.Handler
	origins *wsconn.OriginPolicy

	mu     sync.Mutex // guards conns, closed and lost
	conns  map[*conn]struct{}
	closed bool
	lost   map[string]lostSession // pid → what a disconnected socket subscribed to
}

// lostSession is the subscription of a socket that went away, kept for a
// while so that the client's reconnect (same pid) gets it back.
type lostSession struct {
	all  bool
	subs map[string]bool
	at   time.Time
}

// Limits of the edge.
const (
	maxSubs        = livefeed.MaxChargers // charger subscriptions per socket: what one Sub filters by
	lostSessionTTL = 2 * time.Minute      // how long a lost socket's subscription waits for its reconnect
	maxHTTPBuffer  = 64 << 10             // largest Socket.IO message a client may send
	commandTimeout = 35 * time.Second     // bounds a staff command (the API bounds remote calls at 30s)
	freshReminder  = time.Minute          // a notice.fired older than this (a catch-up replay) is not announced again
)

// New builds the edge.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, now: cfg.Clock, log: cfg.Log, conns: map[*conn]struct{}{}, lost: map[string]lostSession{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.origins = wsconn.SameOriginUnlessValid(wsconn.OriginConfig{What: "connect to Socket.IO", Allowed: cfg.AllowedOrigins, Hosts: cfg.AllowedHosts, TrustForwardedProto: cfg.TrustForwardedProto}, s.log)

	opts := socket.DefaultServerOptions()
	opts.SetServeClient(false)
	opts.SetMaxHttpBufferSize(maxHTTPBuffer)
	if cfg.PingInterval > 0 {
		opts.SetPingInterval(cfg.PingInterval)
	}
	if cfg.PingTimeout > 0 {
		opts.SetPingTimeout(cfg.PingTimeout)
	}
	// Connection-state recovery is on so that socket.io-client keeps a
	// private session id and the offset of the last event it saw; the
	// plain adapter stores nothing: the offsets are stream sequences and
	// what a client missed comes from the stream (see recover).
	rec := socket.DefaultConnectionStateRecovery()
	rec.SetMaxDisconnectionDuration(int64(lostSessionTTL / time.Millisecond))
	rec.SetSkipMiddlewares(false)
	opts.SetConnectionStateRecovery(rec)
	opts.SetAdapter(&adapterBuilder{s: s})
	if len(cfg.AllowedOrigins) > 0 {
		// Cross-origin long-polling needs CORS; serve has refused every
		// origin the policy does not allow before the library sees it.
		opts.SetCors(&types.Cors{Origin: true, Credentials: true})
	}
	s.io = socket.NewServer(nil, opts)
	s.io.Use(s.handshake)
	_ = s.io.On("connection", func(args ...any) {
		if so, ok := args[0].(*socket.Socket); ok {
			s.open(so)
		}
	})
	s.handler = s.io.ServeHandler(nil)
	return s
}

// Handler returns the handler to mount at Path.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// Clients returns how many Socket.IO clients are connected.
func (s *Server) Clients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Close disconnects every client and refuses new ones.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	done := make(chan struct{})
	s.io.Close(func(error) { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}

// serve checks the origin, then hands the request to Engine.IO.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if ok, reason := s.origins.Check(r); !ok {
		s.log.Warn("socket.io origin refused", "origin", r.Header.Get("Origin"), "host", r.Host, "reason", reason)
		writeError(w, http.StatusForbidden, "forbidden_origin", reason)
		return
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		writeError(w, http.StatusServiceUnavailable, "shutting_down", "the server is shutting down")
		return
	}
	s.handler.ServeHTTP(w, r)
}

// CodeUnauthorized is the code in connect_error's data when the handshake
// has no valid token.
const CodeUnauthorized = domain.CodeUnauthorized

// unauthorizedMessage is what a client without a valid token reads in
// connect_error.
const unauthorizedMessage = "a valid staff token is required: pass auth: {token: '<token>'}, the token query parameter or Authorization: Bearer <token>"

// handshake authenticates a new socket (the namespace middleware).
func (s *Server) handshake(so *socket.Socket, next func(*socket.ExtendedError)) {
	h := so.Handshake()
	r := so.Request().Request()
	tok, ok := handshakeToken(h.Auth, r)
	if !ok && r.Header.Get("Cookie") == "" {
		// No token and no session cookie: nothing to authenticate. With a
		// cookie, Authenticate decides (a staff session, token "").
		next(socket.NewExtendedError(unauthorizedMessage, errorDetail{Code: CodeUnauthorized, Message: unauthorizedMessage}))
		return
	}
	actor, err := s.cfg.Authenticate(r, tok)
	if err != nil {
		msg := unauthorizedMessage
		if m := domain.ErrorMessage(err); domain.ErrorCode(err) != domain.CodeInternal && m != "" {
			msg = m
		}
		next(socket.NewExtendedError(msg, errorDetail{Code: CodeUnauthorized, Message: msg}))
		return
	}
	so.SetData(&credentials{actor: actor, token: tok, cookie: r.Header.Get("Cookie"), remote: r.RemoteAddr, host: r.Host,
		origin: r.Header.Get("Origin"), fetchSite: r.Header.Get("Sec-Fetch-Site"), forwardedProto: r.Header.Get("X-Forwarded-Proto"), tls: r.TLS != nil})
	next(nil)
}

// credentials are what a socket authenticated with; commands carry them to
// the API.
type credentials struct {
	actor  domain.Actor
	token  string
	cookie string
	remote string
	host   string
	// origin, fetchSite and forwardedProto are the handshake's headers:
	// the API's same-origin rules judge a command as they judged the page.
	origin, fetchSite, forwardedProto string
	tls                               bool
	conn                              *conn // set once the socket is open
}

// handshakeToken takes the token from the auth payload, the token query
// parameter or the Authorization header, in that order.
func handshakeToken(auth map[string]any, r *http.Request) (string, bool) {
	if t, ok := auth["token"].(string); ok && strings.TrimSpace(t) != "" {
		return strings.TrimSpace(t), true
	}
	if t := strings.TrimSpace(r.URL.Query().Get("token")); t != "" {
		return t, true
	}
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) > len(prefix) && strings.EqualFold(h[:len(prefix)], prefix) {
		if t := strings.TrimSpace(h[len(prefix):]); t != "" {
			return t, true
		}
	}
	return "", false
}

// errorDetail is the API's error shape: {code, message}.
type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError answers the API's JSON error {"error":{"code","message"}}.
func writeError(w http.ResponseWriter, status int, code, message string) {
	b, _ := json.Marshal(map[string]errorDetail{"error": {Code: code, Message: message}})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// DropActor disconnects every socket a staff member signed in as: their
// credentials were revoked (disabled, token rotated, a session ended).
// A socket whose credential still works may connect again.
func (s *Server) DropActor(staffID string) {
	s.mu.Lock()
	var drop []*conn
	for c := range s.conns {
		if c.cred != nil && c.cred.actor.ID == staffID {
			drop = append(drop, c)
		}
	}
	s.mu.Unlock()
	for _, c := range drop {
		_ = c.so.Emit("feedClosed", map[string]any{"code": CodeUnauthorized, "message": "your staff credentials were revoked"})
		c.so.Disconnect(true)
	}
}
