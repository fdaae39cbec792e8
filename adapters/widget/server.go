package widget

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/gorilla/websocket"
)

// Defaults for Config.
const (
	DefaultEvent      = "StateOfCharge"
	DefaultQueue      = 16
	DefaultPingPeriod = 30 * time.Second
	readLimit         = 4 << 10
)

// Config wires the widget edge.
type Config struct {
	Service    *domain.Service
	Board      *projections.Board
	Instance   string
	Log        *slog.Logger
	Event      string        // event name in status frames; DefaultEvent when empty
	Queue      int           // frames queued per widget before it is dropped
	PingPeriod time.Duration // pong wait is twice this
	Observer   Observer
}

// Server is the widget WebSocket endpoint.
type Server struct {
	cfg      Config
	upgrader websocket.Upgrader
	hub      *hub
	connSeq  atomic.Uint64
	active   sync.WaitGroup // one per served socket

	mu      sync.Mutex // guards closing and active.Add against Close's Wait
	closing bool
}

// New returns a widget endpoint and registers its hub with the board.
func New(cfg Config) *Server {
	if cfg.Event == "" {
		cfg.Event = DefaultEvent
	}
	if cfg.Queue == 0 {
		cfg.Queue = DefaultQueue
	}
	if cfg.PingPeriod == 0 {
		cfg.PingPeriod = DefaultPingPeriod
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	s := &Server{cfg: cfg, hub: &hub{conns: map[string]*conn{}, obs: cfg.Observer, fr: newFrames(cfg.Event)}}
	s.upgrader = websocket.Upgrader{
		ReadBufferSize:  256,
		WriteBufferSize: 256,
		WriteBufferPool: &sync.Pool{}, // idle widgets hold no write buffer
		CheckOrigin:     func(*http.Request) bool { return true },
	}
	cfg.Board.Listen(s.hub.listen)
	return s
}

// Handler routes /widgets/{widgetId}; every other path is 404.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /widgets/{widgetId}", s.serveWS)
	return mux
}

// Close closes every widget socket and waits (a few seconds at most) until
// their disconnections are stored.
func (s *Server) Close() {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	for _, c := range s.hub.all() {
		c.close("server shutting down")
	}
	done := make(chan struct{})
	go func() { s.active.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("widgetId")
	if err := domain.ValidateDeviceID("widget", id); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.active.Add(1)
	s.mu.Unlock()
	// Set up here and read on a fresh goroutine: net/http's connection
	// goroutine, its deep stack and its buffers go away after the hijack,
	// and the socket's long-lived goroutine never ran the deep set-up
	// (presence append, logging), so its stack stays at the few KiB reading
	// needs.
	remote := r.RemoteAddr
	c := s.open(id, ws, remote)
	go func() {
		defer s.active.Done()
		s.closed(c, remote, c.reader())
	}()
}

// open registers a new widget socket, queues its current status and
// records its presence.
func (s *Server) open(id string, ws *websocket.Conn, remote string) *conn {
	ws.SetReadLimit(readLimit)
	c := &conn{s: s, id: id, ws: ws,
		connID: strconv.FormatUint(s.connSeq.Add(1), 36) + "@" + s.cfg.Instance}
	// Register and queue the current status atomically with respect to the
	// board's updates: the widget neither misses one nor sees an older
	// status after a newer one.
	var old *conn
	s.cfg.Board.AttachWidget(id, func(st domain.Status, ok bool) {
		old = s.hub.swap(id, c)
		if ok {
			c.offer(s.hub.fr[st])
		}
	})
	if old != nil {
		old.close("replaced by a newer connection")
	}
	s.cfg.Observer.Connected(1)
	s.record(id, domain.WidgetConnected{Instance: s.cfg.Instance, Conn: c.connID})
	s.cfg.Log.Info("widget connected", "widget", id, "conn", c.connID, "remote", remote)
	c.startPing()
	return c
}

// closed unregisters a widget socket that closed for reason.
func (s *Server) closed(c *conn, remote, reason string) {
	s.hub.remove(c.id, c)
	s.cfg.Observer.Connected(-1)
	s.record(c.id, domain.WidgetDisconnected{Instance: s.cfg.Instance, Conn: c.connID, Reason: reason})
	s.cfg.Log.Info("widget disconnected", "widget", c.id, "conn", c.connID, "reason", reason, "remote", remote)
}

// record stores a presence fact; presence is best effort and never blocks
// a status.
func (s *Server) record(widgetID string, p domain.Payload) {
	e := s.cfg.Service.NewEvent(s.cfg.Board.WidgetChargerOrEmpty(widgetID), "", p)
	e.WidgetID = widgetID
	record := func(ctx context.Context) error { return s.cfg.Service.Record(ctx, e) }
	if err := domain.Retry(s.running(), domain.StoreRetry, time.After, record); err != nil {
		s.cfg.Log.Warn("widget presence not stored", "widget", widgetID, "err", err)
	}
}
