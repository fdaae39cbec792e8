package httpapi

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// livePath is the one route that also takes the token as a query
// parameter (browsers cannot set headers on a WebSocket).
const livePath = "/api/live"

// serve authenticates /api/ requests and every route registered with a
// role (the printed ticket), routes them, and logs and observes
// every request.
func (a *API) serve(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	_, pattern := a.mux.Handler(r)
	api := strings.HasPrefix(r.URL.Path, "/api/") || strings.Contains(pattern, "/api/") || a.roleOf[pattern] != ""
	if api && !a.authorized(r) {
		sw.Header().Set("WWW-Authenticate", `Bearer realm="chargebooth"`)
		writeError(sw, http.StatusUnauthorized, domain.CodeUnauthorized, "a valid staff token is required (Authorization: Bearer <token>)")
	} else {
		a.mux.ServeHTTP(sw, r)
	}
	route := pattern
	if route == "" {
		route = "unmatched"
	}
	code := sw.code
	if code == 0 {
		code = http.StatusOK
	}
	dur := time.Since(start)
	if a.cfg.Observe != nil {
		a.cfg.Observe(route, code, dur)
	}
	a.log.Debug("http request", "method", r.Method, "path", r.URL.Path, "route", route,
		"status", code, "bytes", sw.bytes, "duration", dur, "remote", r.RemoteAddr)
}

// authorized reports whether r carries the staff token.
func (a *API) authorized(r *http.Request) bool {
	if a.cfg.Token == "" {
		return false
	}
	got, ok := bearer(r.Header.Get("Authorization"))
	if !ok && r.URL.Path == livePath {
		got, ok = r.URL.Query().Get("token"), r.URL.Query().Has("token")
	}
	if !ok {
		return false
	}
	// Hashing first makes the comparison independent of the lengths too.
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(a.cfg.Token))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// bearer extracts the token of an "Authorization: Bearer <token>" header.
func bearer(h string) (string, bool) {
	const prefix = "bearer "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	t := strings.TrimSpace(h[len(prefix):])
	return t, t != ""
}

// apiFallback answers /api/ paths no route serves: 405 with Allow when the
// path exists for another method, 404 otherwise, both as JSON.
func (a *API) apiFallback(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := a.mux.Handler(probe); p != "" && p != "/api/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed",
			fmt.Sprintf("%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", ")))
		return
	}
	writeError(w, http.StatusNotFound, domain.CodeNotFound, fmt.Sprintf("no route %s", r.URL.Path))
}

// statusWriter remembers the status code and the bytes written. It lets
// the WebSocket upgrade hijack the connection.
type statusWriter struct {
	http.ResponseWriter
	code  int
	bytes int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// Hijack implements http.Hijacker for the WebSocket upgrade.
func (s *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := s.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("hijack: %T is not a Hijacker", s.ResponseWriter)
	}
	c, rw, err := h.Hijack()
	if err == nil && s.code == 0 {
		s.code = http.StatusSwitchingProtocols
	}
	return c, rw, err
}

// Flush implements http.Flusher.
func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
