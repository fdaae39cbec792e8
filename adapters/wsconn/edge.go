package wsconn

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/internal/netpark"
	"github.com/gorilla/websocket"
)

// Reasons an Edge closes sockets with.
const (
	ReasonReplaced = "replaced by a newer connection"
	ReasonShutdown = "server shutting down"
)

// DefaultCloseWait bounds how long Edge.Close waits for its sockets.
const DefaultCloseWait = 5 * time.Second

// Session is a live socket an Edge holds.
type Session interface {
	// Close closes the socket, telling the peer why. It must be safe to
	// call more than once and from any goroutine.
	Close(reason string)
}

// Conn is what an edge's hooks hear of one socket. It is kept for the
// socket's life, so it holds no more than it must (the request is only
// OnOpen's).
type Conn[S Session] struct {
	// ID is the device id from the path, or the connection number's text
	// when the edge has no ids.
	ID string
	// N numbers the edge's connections 1, 2, … (unique while it runs).
	N       uint64
	Session S
}

// Config is an edge's protocol: how its sockets are checked, opened and
// served. Only Open is required.
type Config[S interface {
	comparable
	Session
}] struct {
	// Kind names the ids in refusals: "charger", "widget".
	Kind string
	// IDParam is the path wildcard holding the device id ("chargerId").
	// When empty, sockets have no device id: each is keyed by its
	// connection number, and none replaces another (the live feed).
	IDParam string
	// Upgrader upgrades the request: buffer sizes, write buffer pool,
	// Subprotocols, CheckOrigin, Error.
	Upgrader websocket.Upgrader
	// ReadLimit, when not 0, is set on every socket before Open; a larger
	// frame closes the socket with 1009.
	ReadLimit int64
	// Check, when set, runs before the upgrade, after the id is checked; a
	// status other than 0 refuses the socket with reason. h is the
	// response's header (WWW-Authenticate).
	Check func(h http.Header, r *http.Request, id string) (status int, reason string)
	// Refuse writes a refusal after Check or once closing (503); plain text
	// (http.Error) when nil. An invalid id is always refused in plain text.
	Refuse func(w http.ResponseWriter, status int, reason string)
	// Open makes the session of an upgraded socket and the function that
	// serves it until it ends and returns why (see Reason). serve runs on a
	// goroutine of its own, the socket's only one unless the edge starts
	// more; ctx ends when the edge closes. serve may return Parked instead
	// (see Socket.Idle), to be called again when the socket is readable.
	Open func(id string, ws *websocket.Conn, r *http.Request) (s S, serve func(ctx context.Context) string)
	// Attach, when set, registers the socket in place of the edge: it must
	// call register exactly once, e.g. under a lock of its own so that
	// registration and a first frame are atomic (the widget's status).
	Attach func(c Conn[S], register func())
	// OnOpen, when set, runs once the socket is registered, on the
	// request's goroutine (presence, logs, keepalive), before serve starts.
	OnOpen func(c Conn[S], r *http.Request)
	// OnClose, when set, runs after serve returned and the socket was
	// unregistered, with serve's reason.
	OnClose func(c Conn[S], reason string)
	// Held, when set, hears when this edge starts (up) and stops holding a
	// socket for an id; a replacement is neither.
	Held func(id string, up bool)
	// CloseWait bounds how long Close waits; DefaultCloseWait when 0.
	CloseWait time.Duration
}

// Edge is the lifecycle of one WebSocket endpoint; it is an http.Handler.
// Its registry holds one socket per id.
type Edge[S interface {
	comparable
	Session
}] struct {
	cfg    Config[S]
	up     websocket.Upgrader
	reg    registry[S]
	seq    atomic.Uint64
	ctx    context.Context
	cancel context.CancelFunc
	active sync.WaitGroup // one per served socket

	mu      sync.Mutex // guards closing and active.Add against Close's Wait
	closing bool
}

// New returns an edge serving cfg's protocol.
func New[S interface {
	comparable
	Session
}](cfg Config[S]) *Edge[S] {
	if cfg.Open == nil {
		panic("wsconn: Config.Open is required")
	}
	if cfg.CloseWait == 0 {
		cfg.CloseWait = DefaultCloseWait
	}
	if cfg.Refuse == nil {
		cfg.Refuse = func(w http.ResponseWriter, status int, reason string) { http.Error(w, reason, status) }
	}
	e := &Edge[S]{cfg: cfg, up: cfg.Upgrader, reg: registry[S]{conns: map[string]S{}}}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	return e
}

// Context returns a context that ends once Close has begun: work on behalf
// of the edge's sockets (presence writes and their retries) stops
// retrying then.
func (e *Edge[S]) Context() context.Context { return e.ctx }

// SetSubprotocols sets the subprotocols the upgrade may choose (OCPP's
// "ocpp1.6"); call it before the edge serves.
func (e *Edge[S]) SetSubprotocols(p ...string) { e.up.Subprotocols = p }

// Get returns the live socket held for id.
func (e *Edge[S]) Get(id string) (S, bool) { return e.reg.get(id) }

// Range calls f for every live socket, under the registry's read lock: f
// must not block, nor register or close sockets of this edge.
func (e *Edge[S]) Range(f func(S)) { e.reg.each(f) }

// Len returns how many sockets are live.
func (e *Edge[S]) Len() int { return e.reg.len() }

// ServeHTTP checks, upgrades, registers and serves one socket.
func (e *Edge[S]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var id string
	if e.cfg.IDParam != "" {
		id = r.PathValue(e.cfg.IDParam)
		if err := domain.ValidateDeviceID(e.cfg.Kind, id); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	if e.cfg.Check != nil {
		if status, reason := e.cfg.Check(w.Header(), r, id); status != 0 {
			e.cfg.Refuse(w, status, reason)
			return
		}
	}
	if e.isClosing() {
		e.cfg.Refuse(w, http.StatusServiceUnavailable, ReasonShutdown)
		return
	}
	ws, err := e.up.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered
	}
	e.mu.Lock()
	if e.closing {
		e.mu.Unlock()
		_ = ws.Close()
		return
	}
	e.active.Add(1)
	e.mu.Unlock()
	if e.cfg.ReadLimit != 0 {
		ws.SetReadLimit(e.cfg.ReadLimit)
	}
	n := e.seq.Add(1)
	if e.cfg.IDParam == "" {
		id = strconv.FormatUint(n, 36)
	}
	s, serve := e.cfg.Open(id, ws, r)
	c := Conn[S]{ID: id, N: n, Session: s}
	// Set up here and serve on a fresh goroutine: net/http's connection
	// goroutine, its deep stack and its buffers go away after the hijack,
	// and an idle socket's goroutine never ran the deep set-up (presence
	// append, logging), so its stack stays at the few KiB reading needs.
	e.open(c, r)
	sr := &served[S]{e: e, c: c, ws: ws, serve: serve}
	sr.resume = sr.run // one func for every park of this socket, not one per park
	go sr.run()
}

// served is one socket being served: what run needs again each time a
// parked socket resumes.
type served[S interface {
	comparable
	Session
}] struct {
	e      *Edge[S]
	c      Conn[S]
	ws     *websocket.Conn
	serve  func(context.Context) string
	resume func()
}

// open registers a socket, closing the one it replaces, and runs OnOpen.
func (e *Edge[S]) open(c Conn[S], r *http.Request) {
	var old S
	var replaced bool
	register := func() { old, replaced = e.reg.swap(c.ID, c.Session) }
	if e.cfg.Attach != nil {
		e.cfg.Attach(c, register)
	} else {
		register()
	}
	if replaced {
		old.Close(ReasonReplaced)
	} else if e.cfg.Held != nil {
		e.cfg.Held(c.ID, true)
	}
	if e.cfg.OnOpen != nil {
		e.cfg.OnOpen(c, r)
	}
	if e.isClosing() {
		c.Session.Close(ReasonShutdown) // Close may have run before it was registered
	}
}

// run serves a socket until it ends, then unregisters it. A serve that
// returns Parked is called again, from here, once the socket has
// something to read (see Socket.Idle).
func (sr *served[S]) run() {
	e, c := sr.e, sr.c
	reason := sr.serve(e.ctx)
	if reason == Parked {
		netpark.Of(sr.ws.NetConn()).Park(sr.resume)
		return
	}
	defer e.active.Done()
	if e.reg.remove(c.ID, c.Session) && e.cfg.Held != nil {
		e.cfg.Held(c.ID, false)
	}
	if e.cfg.OnClose != nil {
		e.cfg.OnClose(c, reason)
	}
}

func (e *Edge[S]) isClosing() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closing
}

// Close refuses new sockets, closes every live one with ReasonShutdown and
// waits (CloseWait at most) until they have ended and OnClose ran.
func (e *Edge[S]) Close() {
	e.mu.Lock()
	e.closing = true
	e.mu.Unlock()
	e.cancel()
	for _, s := range e.reg.all() {
		s.Close(ReasonShutdown)
	}
	done := make(chan struct{})
	go func() { e.active.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(e.cfg.CloseWait):
	}
}
