package customer

import (
	"embed"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
	"golang.org/x/time/rate"
)

//go:embed static
var static embed.FS

// Defaults of Config.
const (
	DefaultMisses     = 5                // misses an address may make at once
	DefaultMissEvery  = 12 * time.Second // one more miss allowed per interval
	DefaultPerSession = 8                // event streams one session may have open
	DefaultRefresh    = 15 * time.Second // a stream re-sends the view this often (also its keep-alive)
	maxAddresses      = 4096             // addresses with a miss remembered
	writeWindow       = 30 * time.Second // a view must be written within this (beyond Refresh)
	retryMillis       = 2000             // EventSource reconnect delay told to the page
	csp               = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

// Config is what the customer page needs. Board is required.
type Config struct {
	Board *projections.Board
	// Clock prices the session and times the charge; nil is time.Now.
	Clock domain.Clock
	// Location is the booth's time zone ("collected at 23:14"); nil is UTC.
	Location *time.Location
	// Ready says whether the board has caught up; while it has not, the
	// page answers 503 rather than 404 (a valid token is not known yet),
	// and no miss is counted. nil is always ready.
	Ready func() error
	// Misses and MissEvery are the per-address budget of unknown tokens:
	// Misses at once, one more every MissEvery; past it every request of
	// the address is 429 until the budget refills. 0 takes the defaults.
	Misses    int
	MissEvery time.Duration
	// PerSession bounds the event streams open on one session (429 past
	// it); 0 is DefaultPerSession.
	PerSession int
	// Refresh is how often an open stream re-sends the view (time
	// charging, amount due); 0 is DefaultRefresh.
	Refresh time.Duration
	// Log receives the page's log lines; nil discards.
	Log *slog.Logger
}

// Server serves /c/{token}, /c/{token}/state, /c/{token}/events and the
// page's files (/c/app.js, /c/app.css). Make one with New.
type Server struct {
	cfg Config
	mux *http.ServeMux

	done      chan struct{} // closed by Close: every stream ends
	closeOnce sync.Once

	mu      sync.Mutex
	misses  map[string]*rate.Limiter // remote address → its budget of misses
	streams map[string]map[chan struct{}]bool
}

// New returns the customer page server and registers its listener on
// cfg.Board, which wakes the streams of a session when one of its events
// is applied.
func New(cfg Config) *Server {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Misses <= 0 {
		cfg.Misses = DefaultMisses
	}
	if cfg.MissEvery <= 0 {
		cfg.MissEvery = DefaultMissEvery
	}
	if cfg.PerSession <= 0 {
		cfg.PerSession = DefaultPerSession
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = DefaultRefresh
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), done: make(chan struct{}), misses: map[string]*rate.Limiter{}, streams: map[string]map[chan struct{}]bool{}}
	s.mux.HandleFunc("GET /c/app.js", s.file("app.js", "text/javascript; charset=utf-8"))
	s.mux.HandleFunc("GET /c/app.css", s.file("app.css", "text/css; charset=utf-8"))
	s.mux.HandleFunc("GET /c/{token}", s.page)
	s.mux.HandleFunc("GET /c/{token}/state", s.state)
	s.mux.HandleFunc("GET /c/{token}/events", s.events)
	s.mux.HandleFunc("/c/", func(w http.ResponseWriter, r *http.Request) { notFound(w, r) })
	cfg.Board.Listen(s.wake)
	return s
}

// Close ends every event stream (their pages reconnect to whoever serves
// next). Call it when the HTTP server shuts down: http.Server.Shutdown
// waits for streams, which never end by themselves.
func (s *Server) Close() { s.closeOnce.Do(func() { close(s.done) }) }

// Handler returns the handler of every /c/ path.
func (s *Server) Handler() http.Handler { return s.mux }

// Mount serves /c/ with s and everything else with next.
func (s *Server) Mount(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/c" || strings.HasPrefix(r.URL.Path, "/c/") {
			s.mux.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// lookup finds the session of the request's token. It answers the request
// itself (and returns false) when the address is over its budget of
// misses (429), the board is not ready (503) or the token is unknown
// (404, counted as a miss).
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) (projections.SessionView, string, bool) {
	addr := remoteAddr(r)
	if !s.allowed(addr) {
		w.Header().Set("Retry-After", "60")
		writeError(w, http.StatusTooManyRequests, domain.CodeRateLimited, "too many unknown ticket links from this address; try again in a minute")
		return projections.SessionView{}, "", false
	}
	if s.cfg.Ready != nil && s.cfg.Ready() != nil {
		w.Header().Set("Retry-After", "2")
		writeError(w, http.StatusServiceUnavailable, "starting", "the booth is starting; this page retries by itself")
		return projections.SessionView{}, "", false
	}
	tok, err := domain.ParseCustomerToken(r.PathValue("token"))
	if err == nil {
		if v, ok := s.cfg.Board.SessionByToken(tok, s.cfg.Clock()); ok {
			return v, logID(tok), true
		}
	}
	s.miss(addr)
	s.cfg.Log.Info("customer page: unknown ticket link", "remote", addr)
	notFound(w, r)
	return projections.SessionView{}, "", false
}

// allowed reports whether addr may still look tokens up.
func (s *Server) allowed(addr string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.misses[addr]
	return l == nil || l.Tokens() >= 1
}

// miss takes one miss from addr's budget.
func (s *Server) miss(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.misses[addr]
	if l == nil {
		if len(s.misses) >= maxAddresses {
			s.forgetRefilled()
		}
		l = rate.NewLimiter(rate.Every(s.cfg.MissEvery), s.cfg.Misses)
		s.misses[addr] = l
	}
	l.Allow()
}

// forgetRefilled drops the addresses whose budget is full again (they
// would start afresh anyway); if none is, the whole table (a flood of
// addresses must not grow it without bound). Called with mu held.
func (s *Server) forgetRefilled() {
	for a, l := range s.misses {
		if l.Tokens() >= float64(s.cfg.Misses) {
			delete(s.misses, a)
		}
	}
	if len(s.misses) >= maxAddresses {
		s.misses = map[string]*rate.Limiter{}
	}
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := s.lookup(w, r); !ok {
		return
	}
	b, _ := static.ReadFile("static/index.html")
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	securityHeaders(h)
	_, _ = w.Write(b)
}

func (s *Server) state(w http.ResponseWriter, r *http.Request) {
	v, _, ok := s.lookup(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, viewOf(v, s.cfg.Clock(), s.cfg.Location))
}

// events streams the view as server-sent events: at once, whenever an
// event of the session is applied, and every Refresh; the stream ends
// after the session is collected. The periodic view doubles as the
// keep-alive that stops proxies from closing an idle stream.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	v, id, ok := s.lookup(w, r)
	if !ok {
		return
	}
	wake, ok := s.subscribe(v.ID)
	if !ok {
		writeError(w, http.StatusTooManyRequests, domain.CodeRateLimited, "this ticket has too many pages open")
		return
	}
	defer s.unsubscribe(v.ID, wake)
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	s.cfg.Log.Debug("customer page: stream opened", "ticket", id)
	if _, err := io.WriteString(w, "retry: "+itoa(retryMillis)+"\n\n"); err != nil {
		return
	}
	refresh := time.NewTicker(s.cfg.Refresh)
	defer refresh.Stop()
	for {
		// The server's write timeout is for answers, not streams: each
		// view gets its own window.
		_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.Refresh + writeWindow))
		now := s.cfg.Clock()
		cur, ok := s.cfg.Board.Session(v.ID, now)
		if !ok {
			return
		}
		b, _ := json.Marshal(viewOf(cur, now, s.cfg.Location))
		if _, err := io.WriteString(w, "event: view\ndata: "+string(b)+"\n\n"); err != nil {
			return
		}
		if rc.Flush() != nil || cur.State == projections.StateClosed {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case <-wake:
		case <-refresh.C:
		}
	}
}

// subscribe adds a wake-up channel for sessionID, refusing past
// PerSession.
func (s *Server) subscribe(sessionID string) (chan struct{}, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := s.streams[sessionID]
	if len(set) >= s.cfg.PerSession {
		return nil, false
	}
	if set == nil {
		set = map[chan struct{}]bool{}
		s.streams[sessionID] = set
	}
	ch := make(chan struct{}, 1)
	set[ch] = true
	return ch, true
}

func (s *Server) unsubscribe(sessionID string, ch chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.streams[sessionID], ch)
	if len(s.streams[sessionID]) == 0 {
		delete(s.streams, sessionID)
	}
}

// wake is the board listener: it nudges the streams of the event's
// session without blocking (a nudge already pending covers this one).
func (s *Server) wake(u projections.Update) {
	if u.Event.SessionID == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for ch := range s.streams[u.Event.SessionID] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Streams returns how many event streams are open (for tests and a gauge).
func (s *Server) Streams() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, set := range s.streams {
		n += len(set)
	}
	return n
}

// file serves one of the page's static files.
func (s *Server) file(name, contentType string) http.HandlerFunc {
	b, err := static.ReadFile("static/" + name)
	if err != nil {
		panic("customer: " + err.Error()) // embedded at build time
	}
	return func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", contentType)
		securityHeaders(h)
		h.Set("Cache-Control", "no-cache")
		_, _ = w.Write(b)
	}
}

func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

// notFound is every miss's answer: the same few bytes whatever was asked.
func notFound(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusNotFound, domain.CodeNotFound, "this ticket link is not known")
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// remoteAddr is the request's address without its port.
func remoteAddr(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// logID names a ticket in logs: the first 12 hex digits of its token's
// hash.
func logID(token string) string { return domain.TokenHash(token)[:12] }

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
