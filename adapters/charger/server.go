package charger

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/chargebooth/chargebooth/adapters/wsconn"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/internal/deadline"
	"github.com/chargebooth/chargebooth/internal/workers"
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
	Service  *domain.Service
	Board    *projections.Board
	Instance string // this server instance, for presence events
	// Epoch tells this process's sockets from those of an earlier run of
	// the same instance in connection ids (see domain.ConnID).
	Epoch        string
	Log          *slog.Logger
	ReadLimit    int64         // bytes; DefaultReadLimit when 0
	PingPeriod   time.Duration // DefaultPingPeriod when 0; pong wait is twice this
	StoreTimeout time.Duration // how long a reading may wait for the store
	Rate         rate.Limit    // readings/s per charger; DefaultRate when 0
	Burst        int
	// Auth, when set, checks a charger's credentials before the upgrade.
	Auth func(r *http.Request, chargerID string) bool
	// Admit, when set, decides before the upgrade (after Auth) whether the
	// charger may connect (the device policy, see adapters/admission); live
	// tells whether this endpoint holds a socket for the id now, which the
	// new one would replace. A status other than 0 refuses it with reason
	// and nothing is stored.
	Admit func(h http.Header, r *http.Request, chargerID string, live bool) (status int, reason string)
	// ClientCN, when set, returns the subject CN of the client certificate
	// the request's TLS connection verified (OCPP security profile 3; see
	// tlsconf.ClientCN). A certificate whose CN is not the charger id is
	// refused with 403; a charger that presents none falls back to Auth
	// (profile 2), or, when Auth is nil and CertRequired is set, is
	// refused with 401; otherwise Admit decides (the authenticated device
	// policy asks for its secret).
	ClientCN func(r *http.Request) (cn string, ok bool)
	// CertRequired refuses a charger without a client certificate when
	// there is no Auth to fall back to (see ClientCN).
	CertRequired bool
	// OCPP, when set, takes sockets that negotiate ocpp1.6.
	OCPP     OCPP
	Observer Observer
	// Held, when set, hears when this instance starts (up) and stops
	// holding a charger's socket, so commands can be routed to it.
	Held func(chargerID string, up bool)
	// Origins lists the browser origins ("https://fleet.example") allowed
	// to connect; every other request with an Origin header is refused
	// with 403 before the upgrade. Chargers send no Origin.
	Origins []string
}

// Server is the charger WebSocket endpoint: the wsconn skeleton with the
// simple protocol's conn and the OCPP codec.
type Server struct {
	cfg  Config
	edge *wsconn.Edge[Session]
	work *workers.Pool // where the simple protocol's frames are handled
}

// Workers bounds the goroutines that handle simple-protocol frames for
// every socket (see conn.handle); each ends after workerIdle without a
// frame.
const (
	Workers    = 256
	workerIdle = 10 * time.Second
)

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
	s := &Server{cfg: cfg, work: workers.New(Workers, workerIdle)}
	ec := wsconn.Config[Session]{
		Kind:    "charger",
		IDParam: "chargerId",
		Upgrader: wsconn.DeviceOrigins("connect as a charger", cfg.Origins).Upgrader(websocket.Upgrader{
			ReadBufferSize:  256, // held for the socket's life; a longer frame is read past it
			WriteBufferSize: 1024,
			WriteBufferPool: &sync.Pool{}, // idle chargers hold no write buffer
		}),
		ReadLimit: cfg.ReadLimit,
		Open:      s.openSocket,
		OnOpen:    s.opened,
		OnClose:   s.closed,
		Held:      cfg.Held,
	}
	if cfg.Auth != nil || cfg.Admit != nil || cfg.ClientCN != nil {
		ec.Check = s.check
	}
	s.edge = wsconn.New(ec)
	if cfg.OCPP != nil {
		s.edge.SetSubprotocols("ocpp1.6")
	}
	return s
}

// Handler routes /chargers/{chargerId}; every other path is 404.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /chargers/{chargerId}", s.edge)
	return mux
}

// Session returns the live socket of a charger connected to this instance.
func (s *Server) Session(chargerID string) (Session, bool) { return s.edge.Get(chargerID) }

// Close closes every charger socket, telling them the server is stopping,
// and waits (a few seconds at most) until their disconnections are stored.
func (s *Server) Close() { s.edge.Close() }

// check runs before the upgrade: the client certificate (ClientCN) or
// the credentials (Auth), then the device policy (Admit). A connection
// that would replace a live one passes the same check.
func (s *Server) check(h http.Header, r *http.Request, id string) (int, string) {
	vouched := false
	if s.cfg.ClientCN != nil {
		if cn, ok := s.cfg.ClientCN(r); ok {
			if cn != id {
				return http.StatusForbidden, fmt.Sprintf("client certificate CN %q does not match charger id %q", cn, id)
			}
			vouched = true
		} else if s.cfg.Auth == nil && s.cfg.CertRequired {
			return http.StatusUnauthorized, "client certificate required"
		}
	}
	if !vouched && s.cfg.Auth != nil && !s.cfg.Auth(r, id) {
		h.Set("WWW-Authenticate", `Basic realm="chargebooth chargers"`)
		return http.StatusUnauthorized, "charger credentials missing or wrong"
	}
	if s.cfg.Admit != nil {
		_, live := s.edge.Get(id)
		return s.cfg.Admit(h, r, id, live)
	}
	return 0, ""
}

// openSocket hands a socket that negotiated ocpp1.6 to the OCPP codec and
// any other to the simple protocol.
func (s *Server) openSocket(id string, ws *websocket.Conn, r *http.Request) (Session, func(context.Context) string) {
	if ws.Subprotocol() == "ocpp1.6" && s.cfg.OCPP != nil {
		return s.cfg.OCPP.Open(id, ws, r.RemoteAddr)
	}
	c := newConn(s, id, ws)
	return c, c.serve
}

func (s *Server) connID(n uint64) string { return domain.ConnID(n, s.cfg.Epoch, s.cfg.Instance) }

// opened records a registered socket's presence.
func (s *Server) opened(c wsconn.Conn[Session], r *http.Request) {
	connID, proto := s.connID(c.N), c.Session.Protocol()
	s.cfg.Observer.Connected(proto, 1)
	s.presence(c.ID, func(ch *domain.Charger, x domain.Ctx) []domain.Event {
		return ch.Connect(x, s.cfg.Instance, connID, proto, r.RemoteAddr)
	})
	s.cfg.Log.Info("charger connected", "charger", c.ID, "conn", connID, "protocol", proto, "remote", r.RemoteAddr)
}

// closed records that a socket ended for reason.
func (s *Server) closed(c wsconn.Conn[Session], reason string) {
	connID, proto := s.connID(c.N), c.Session.Protocol()
	s.cfg.Observer.Connected(proto, -1)
	s.presence(c.ID, func(ch *domain.Charger, x domain.Ctx) []domain.Event {
		return ch.Disconnect(x, s.cfg.Instance, connID, reason)
	})
	s.cfg.Log.Info("charger disconnected", "charger", c.ID, "conn", connID, "protocol", proto, "reason", reason)
}

func (s *Server) presence(id string, decide func(*domain.Charger, domain.Ctx) []domain.Event) {
	err := retryStore(s.edge.Context(), func(ctx context.Context) error {
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
func (s *Server) StoreReading(ctx context.Context, chargerID string, r domain.Reading) error {
	// The store's publish only reads the deadline: no timer unless a
	// store read (a charger not cached) waits on it.
	ctx, cancel := deadline.Timeout(ctx, s.cfg.StoreTimeout)
	defer cancel()
	start := time.Now()
	_, err := s.cfg.Service.ReportSoC(ctx, chargerID, r)
	s.cfg.Observer.Appended(time.Since(start))
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = errors.Join(domain.ErrUnavailable, err)
	}
	return err
}

// OffersOCPP reports whether a charger's upgrade request offers OCPP 1.6J,
// which this endpoint then speaks on the socket.
func OffersOCPP(r *http.Request) bool {
	for _, p := range websocket.Subprotocols(r) {
		if p == "ocpp1.6" {
			return true
		}
	}
	return false
}

// Sockets reports how many charger sockets (of either protocol) are open.
func (s *Server) Sockets() int { return s.edge.Len() }
