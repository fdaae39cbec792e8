package httpapi

import (
	"bufio"
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

// serve authenticates /api/ requests, checks the role the route needs
// (the one table, see routes), routes them, and logs and observes every
// request. The handler sees the principal's actor in its context, so every
// event it stores carries it.
func (a *API) serve(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	_, pattern := a.mux.Handler(r)
	api := strings.HasPrefix(r.URL.Path, "/api/") || strings.Contains(pattern, "/api/") || a.roleOf[pattern] != ""
	if !api {
		a.mux.ServeHTTP(sw, r)
	} else if r2, ok := a.admit(sw, r, pattern); ok {
		a.mux.ServeHTTP(sw, r2)
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

// admit checks an /api/ request against the route table: 401 (or 429)
// without a working credential, 403 cross_origin for a cookie-borne state
// change from another origin, 403 forbidden when the role falls short. A
// path no route serves needs a credential too (then 404 or 405). It
// returns the request carrying the principal.
func (a *API) admit(w http.ResponseWriter, r *http.Request, pattern string) (*http.Request, bool) {
	need, known := a.roleOf[pattern]
	if !known {
		need = RoleStaff
	}
	if need == RolePublic {
		return r, true
	}
	p, err := a.Authenticate(r, "")
	if err != nil {
		writeAuthError(w, err)
		return nil, false
	}
	if p.ByCookie() && !safeMethod(r.Method) && !a.sameOrigin(r) {
		writeError(w, http.StatusForbidden, CodeCrossOrigin,
			"a signed-in change must come from the booth's own pages (Origin or Sec-Fetch-Site did not match)")
		return nil, false
	}
	if !p.Can(need) {
		writeForbidden(w, p, need)
		return nil, false
	}
	return r.WithContext(withPrincipal(r.Context(), p)), true
}

// safeMethod reports whether a method only reads.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
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
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
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
