package charger

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"
)

// Defaults for Config.
const (
	DefaultReadLimit    = 64 << 10
	DefaultPingPeriod   = 30 * time.Second
	DefaultStoreTimeout = 5 * time.Second
	DefaultRate         = 1000 // readings per second per charger; a reconnecting charger re-sends its queue in a burst
)

// OCPP opens OCPP 1.6J sessions on upgraded sockets. Open returns the
// session (for the registry and remote commands) and a function that serves
// it until it closes, returning why it closed.
type OCPP interface {
	Open(chargerID string, ws *websocket.Conn, remote string) (Session, func(context.Context) string)
}

// Config wires the charger edge.
type Config struct {
	Service      *domain.Service
	Board        *projections.Board
	Instance     string // this server instance, for presence events
	Log          *slog.Logger
	ReadLimit    int64         // bytes; DefaultReadLimit when 0
	PingPeriod   time.Duration // DefaultPingPeriod when 0; pong wait is twice this
	StoreTimeout time.Duration // how long a reading may wait for the store
	Rate         rate.Limit    // readings/s per charger; DefaultRate when 0
	Burst        int
	// Auth, when set, checks a charger's credentials before the upgrade.
	Auth func(r *http.Request, chargerID string) bool
	// OCPP, when set, takes sockets that negotiate ocpp1.6.
	OCPP     OCPP
	Observer Observer
	// Held, when set, hears when this instance starts (up) and stops
	// holding a charger's socket, so commands can be routed to it.
	Held func(chargerID string, up bool)
}

// Server is the charger WebSocket endpoint.
type Server struct {
	cfg      Config
	upgrader websocket.Upgrader
	reg      registry
	connSeq  atomic.Uint64
	ctx      context.Context
	cancel   context.CancelFunc
	active   sync.WaitGroup // one per served socket

	mu      sync.Mutex // guards closing and active.Add against Close's Wait
	closing bool
}

// New returns a charger endpoint.
func New(cfg Config) *Server {
	if cfg.ReadLimit == 0 {
		cfg.ReadLimit = DefaultReadLimit
	}
	if cfg.PingPeriod == 0 {
		cfg.PingPeriod = DefaultPingPeriod
	}
	if cfg.StoreTimeout == 0 {
		cfg.StoreTimeout = DefaultStoreTimeout
	}
	if cfg.Rate == 0 {
		cfg.Rate = DefaultRate
	}
	if cfg.Burst == 0 {
		cfg.Burst = int(cfg.Rate)
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	s := &Server{cfg: cfg, reg: registry{conns: map[string]Session{}}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.upgrader = websocket.Upgrader{
		ReadBufferSize:  256, // held for the socket's life; a longer frame is read past it
		WriteBufferSize: 1024,
		WriteBufferPool: &sync.Pool{},                             // idle chargers hold no write buffer
		CheckOrigin:     func(*http.Request) bool { return true }, // devices, not browsers
	}
	if cfg.OCPP != nil {
		s.upgrader.Subprotocols = []string{"ocpp1.6"}
	}
	return s
}

// Handler routes /chargers/{chargerId}; every other path is 404.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /chargers/{chargerId}", s.serveWS)
	return mux
}

// Session returns the live socket of a charger connected to this instance.
func (s *Server) Session(chargerID string) (Session, bool) { return s.reg.get(chargerID) }

// Close closes every charger socket, telling them the server is stopping,
// and waits (a few seconds at most) until their disconnections are stored.
func (s *Server) Close() {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.cancel()
	for _, c := range s.reg.all() {
		c.Close("server shutting down")
	}
	waitTimeout(&s.active, 5*time.Second)
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("chargerId")
	if err := domain.ValidateDeviceID("charger", id); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if s.cfg.Auth != nil && !s.cfg.Auth(r, id) {
		w.Header().Set("WWW-Authenticate", `Basic realm="chargebooth chargers"`)
		http.Error(w, "charger credentials missing or wrong", http.StatusUnauthorized)
		return
	}
	if s.ctx.Err() != nil {
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered
	}
	ws.SetReadLimit(s.cfg.ReadLimit)
	connID := strconv.FormatUint(s.connSeq.Add(1), 36) + "@" + s.cfg.Instance
	remote := r.RemoteAddr
	var sess Session
	var serve func(context.Context) string
	if ws.Subprotocol() == "ocpp1.6" && s.cfg.OCPP != nil {
		sess, serve = s.cfg.OCPP.Open(id, ws, remote)
	} else {
		c := newConn(s, id, ws)
		sess, serve = c, c.serve
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.active.Add(1)
	s.mu.Unlock()
	// Set up here and serve on a fresh goroutine: net/http's connection
	// goroutine, its deep stack and its buffers go away after the hijack,
	// and an idle charger's goroutine never ran the deep set-up (presence
	// append, logging), so its stack stays at the few KiB reading needs.
	s.open(id, connID, remote, sess)
	go func() {
		defer s.active.Done()
		s.closed(id, connID, sess, serve(s.ctx))
	}()
}

// open registers a session and records the charger's presence.
func (s *Server) open(id, connID, remote string, sess Session) {
	if old := s.reg.swap(id, sess); old != nil {
		old.Close("replaced by a newer connection")
	} else if s.cfg.Held != nil {
		s.cfg.Held(id, true)
	}
	s.cfg.Observer.Connected(sess.Protocol(), 1)
	s.presence(id, func(c *domain.Charger, x domain.Ctx) []domain.Event {
		return c.Connect(x, s.cfg.Instance, connID, sess.Protocol(), remote)
	})
	s.cfg.Log.Info("charger connected", "charger", id, "conn", connID, "protocol", sess.Protocol(), "remote", remote)
}

// closed unregisters a session that ended for reason and records it.
func (s *Server) closed(id, connID string, sess Session, reason string) {
	if s.reg.remove(id, sess) && s.cfg.Held != nil {
		s.cfg.Held(id, false)
	}
	s.cfg.Observer.Connected(sess.Protocol(), -1)
	s.presence(id, func(c *domain.Charger, x domain.Ctx) []domain.Event {
		return c.Disconnect(x, s.cfg.Instance, connID, reason)
	})
	s.cfg.Log.Info("charger disconnected", "charger", id, "conn", connID, "protocol", sess.Protocol(), "reason", reason)
}

func (s *Server) presence(id string, decide func(*domain.Charger, domain.Ctx) []domain.Event) {
	err := retryStore(s.ctx, func(ctx context.Context) error {
		_, err := s.cfg.Service.OnCharger(ctx, id, func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
			return decide(c, x), nil
		})
		return err
	})
	if err != nil {
		s.cfg.Log.Warn("charger presence not stored", "charger", id, "err", err)
	}
}

// StoreReading stores one reading for a charger; the OCPP edge uses it too.
func (s *Server) StoreReading(ctx context.Context, chargerID string, soc float64, readingID, by string) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.StoreTimeout)
	defer cancel()
	start := time.Now()
	_, err := s.cfg.Service.ReportSoC(ctx, chargerID, domain.Reading{SoC: soc, ReadingID: readingID, By: by})
	s.cfg.Observer.Appended(time.Since(start))
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = errors.Join(domain.ErrUnavailable, err)
	}
	return err
}
