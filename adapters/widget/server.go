package widget

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/chargebooth/chargebooth/adapters/wsconn"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/internal/workers"
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
	Service  *domain.Service
	Board    *projections.Board
	Instance string
	// Epoch tells this process's sockets from those of an earlier run of
	// the same instance in connection ids (see domain.ConnID).
	Epoch      string
	Log        *slog.Logger
	Event      string        // event name in status frames; DefaultEvent when empty
	Queue      int           // frames queued per widget before it is dropped
	PingPeriod time.Duration // pong wait is twice this
	Observer   Observer
	// Admit, when set, decides before the upgrade whether the widget may
	// connect (the device policy, see adapters/admission); live tells
	// whether this endpoint holds a socket for the id now, which the new
	// one would replace. A status other than 0 refuses it with reason and
	// nothing is stored.
	Admit func(h http.Header, r *http.Request, widgetID string, live bool) (status int, reason string)
	// Origins lists the browser origins allowed to connect; every other
	// request with an Origin header is refused with 403 before the
	// upgrade. Widgets send no Origin.
	Origins []string
}

// Server is the widget WebSocket endpoint: the wsconn skeleton with the
// widget protocol (the status on connect, then every reading's).
type Server struct {
	cfg    Config
	fr     frames
	edge   *wsconn.Edge[*conn]
	starts *workers.Starter // runs the sockets' flushes
}

// New returns a widget endpoint and registers its listener with the board.
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
	s := &Server{cfg: cfg, fr: newFrames(cfg.Event), starts: workers.NewStarter(flushersKept)}
	var check func(http.Header, *http.Request, string) (int, string)
	if cfg.Admit != nil {
		check = func(h http.Header, r *http.Request, id string) (int, string) {
			_, live := s.edge.Get(id)
			return cfg.Admit(h, r, id, live)
		}
	}
	s.edge = wsconn.New(wsconn.Config[*conn]{
		Kind:    "widget",
		IDParam: "widgetId",
		Upgrader: wsconn.DeviceOrigins("connect as a widget", cfg.Origins).Upgrader(websocket.Upgrader{
			ReadBufferSize:  256,
			WriteBufferSize: 256,
			WriteBufferPool: &sync.Pool{}, // idle widgets hold no write buffer
		}),
		ReadLimit: readLimit,
		Check:     check,
		Open: func(_ string, ws *websocket.Conn, _ *http.Request) (*conn, func(context.Context) string) {
			c := &conn{Socket: wsconn.Socket{WS: ws}, s: s}
			c.flushFn = c.flush
			return c, c.serve
		},
		Attach:  s.attach,
		OnOpen:  s.opened,
		OnClose: s.closed,
	})
	cfg.Board.Listen(s.listen)
	return s
}

// WaitingFlushers reports how many goroutines that ran a flush wait for
// the next (at most flushersKept, whatever the number of widgets).
func (s *Server) WaitingFlushers() int { return s.starts.Waiting() }

// Handler routes /widgets/{widgetId}; every other path is 404.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /widgets/{widgetId}", s.edge)
	return mux
}

// Close closes every widget socket and waits (a few seconds at most) until
// their disconnections are stored.
func (s *Server) Close() { s.edge.Close() }

// attach registers a widget socket and queues its current status
// atomically with respect to the board's updates: the widget neither
// misses one nor sees an older status after a newer one.
func (s *Server) attach(c wsconn.Conn[*conn], register func()) {
	s.cfg.Board.AttachWidget(c.ID, func(st domain.Status, ok bool) {
		register()
		if ok {
			c.Session.offer(s.fr[st])
		}
	})
}

func (s *Server) connID(n uint64) string { return domain.ConnID(n, s.cfg.Epoch, s.cfg.Instance) }

// opened records a registered widget's presence and starts its pings.
func (s *Server) opened(c wsconn.Conn[*conn], r *http.Request) {
	connID := s.connID(c.N)
	s.cfg.Observer.Connected(1)
	s.record(c.ID, domain.WidgetConnected{Instance: s.cfg.Instance, Conn: connID})
	s.cfg.Log.Info("widget connected", "widget", c.ID, "conn", connID, "remote", r.RemoteAddr)
	c.Session.StartKeepalive(s.cfg.PingPeriod)
}

// closed records that a widget socket ended for reason.
func (s *Server) closed(c wsconn.Conn[*conn], reason string) {
	connID := s.connID(c.N)
	s.cfg.Observer.Connected(-1)
	s.record(c.ID, domain.WidgetDisconnected{Instance: s.cfg.Instance, Conn: connID, Reason: reason})
	s.cfg.Log.Info("widget disconnected", "widget", c.ID, "conn", connID, "reason", reason, "remote", c.Session.WS.RemoteAddr().String())
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

// Sockets reports how many widget sockets are open.
func (s *Server) Sockets() int { return s.edge.Len() }
