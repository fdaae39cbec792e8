package httpapi

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

// Authentication error codes.
const (
	// CodeTooManyAttempts refuses a source address that failed too often.
	CodeTooManyAttempts = "too_many_attempts"
	// CodeForbidden refuses a principal whose role does not allow a route.
	CodeForbidden = "forbidden"
	// CodeBadCredentials refuses a login.
	CodeBadCredentials = "bad_credentials"
	// CodeCrossOrigin refuses a cookie-authenticated state change from
	// another origin (CSRF).
	CodeCrossOrigin = "cross_origin"
)

// sessionCookie is the dashboard's session cookie.
const sessionCookie = "cb_session"

// defaultSessionTTL is how long a dashboard session lasts by default.
const defaultSessionTTL = 12 * time.Hour

// throttledError is a too_many_attempts refusal with its Retry-After.
type throttledError struct {
	err   *domain.Error
	retry time.Duration
}

func (e *throttledError) Error() string { return e.err.Message }
func (e *throttledError) Unwrap() error { return e.err }

// errNoCredentials is the refusal of a request that carries none.
var errNoCredentials = domain.Errorf(domain.CodeUnauthorized,
	"a valid staff token or session is required (Authorization: Bearer <token>, or sign in with POST /api/login)")

// Authenticate establishes who a request acts as. With token "" it looks
// at the request: the Authorization: Bearer header, else the cb_session
// cookie, else (on /api/live only, deprecated) the ?token= query; a
// non-empty token is checked as a bearer token. The bootstrap token
// (Config.Token) is the built-in admin; a member's token or session works
// while the member is enabled (the board is followed, so a member disabled
// on any instance stops at once). Failed credentials are throttled per
// source address: once throttled, every credential from there is refused
// with code too_many_attempts until the bucket refills. Errors are domain
// errors with code unauthorized or too_many_attempts.
func (a *API) Authenticate(r *http.Request, token string) (Principal, error) {
	cookie := ""
	if token == "" {
		var ok bool
		if token, ok = bearer(r.Header.Get("Authorization")); !ok {
			if c, err := r.Cookie(sessionCookie); err == nil {
				cookie = c.Value
			} else if r.URL.Path == livePath && r.URL.Query().Has("token") {
				token = r.URL.Query().Get("token")
			}
		}
	}
	if token == "" && cookie == "" {
		return Principal{}, errNoCredentials
	}
	addr := clientAddr(r, a.cfg.TrustForwardedProto)
	now := a.now()
	if err := a.throttled(addr, "from "+addr, now); err != nil {
		return Principal{}, err
	}
	var p Principal
	var err error
	if cookie != "" {
		p, err = a.bySession(cookie, now)
	} else {
		p, err = a.byToken(token)
	}
	if errors.Is(err, errBadCredential) {
		a.throttle.fail(addr, now)
	}
	return p, err
}

// errBadCredential is a credential that matches nothing (counted by the
// throttle).
var errBadCredential = domain.Errorf(domain.CodeUnauthorized, "the staff token or session is not valid (it may have expired, been rotated or signed out)")

// throttled refuses key (a source address, or a name signing in with a
// PIN) while its bucket is empty; what names it in the message.
func (a *API) throttled(key, what string, now time.Time) error {
	wait := a.throttle.wait(key, now)
	if wait <= 0 {
		return nil
	}
	secs := int((wait + time.Second - 1) / time.Second)
	return &throttledError{err: domain.Errorf(CodeTooManyAttempts,
		"too many failed sign-ins or bad tokens %s; try again in %d s", what, secs), retry: time.Duration(secs) * time.Second}
}

// byToken checks a bearer token: the bootstrap token, or a member's.
func (a *API) byToken(token string) (Principal, error) {
	h := hashSecret(token)
	if a.cfg.Token != "" {
		want := sha256.Sum256([]byte(a.cfg.Token))
		got := sha256.Sum256([]byte(token))
		if subtle.ConstantTimeCompare(got[:], want[:]) == 1 {
			return bootstrapAdmin, nil
		}
	}
	if a.cfg.Board == nil {
		return Principal{}, errBadCredential
	}
	m, ok := a.cfg.Board.StaffByToken(h)
	if !ok {
		return Principal{}, errBadCredential
	}
	p, err := memberPrincipal(m, "")
	p.token = h
	return p, err
}

// bySession checks a session cookie.
func (a *API) bySession(cookie string, now time.Time) (Principal, error) {
	if !validCookie(cookie) || a.cfg.Board == nil {
		return Principal{}, errBadCredential
	}
	h := hashSecret(cookie)
	s, ok := a.cfg.Board.StaffSession(h, now)
	if !ok {
		return Principal{}, errBadCredential
	}
	if s.StaffID == domain.BootstrapAdminID {
		if a.cfg.Token == "" || subtle.ConstantTimeCompare([]byte(s.Credential), []byte(a.bootstrapCredential(bootstrapAdmin))) != 1 {
			return Principal{}, errBadCredential
		}
		p := bootstrapAdmin
		p.session, p.left = h, s.Expires.Sub(now)
		return p, nil
	}
	m, ok := a.cfg.Board.StaffMember(s.StaffID)
	if !ok {
		return Principal{}, errBadCredential
	}
	p, err := memberPrincipal(m, h)
	p.left = s.Expires.Sub(now)
	return p, err
}

// bootstrapCredential is what a session of the bootstrap admin is bound
// to: a hash of the bootstrap token (a hash of that hash, so the store
// holds nothing that passes for the token's own hash), "" for members.
func (a *API) bootstrapCredential(p Principal) string {
	if p.Actor.ID != domain.BootstrapAdminID || a.cfg.Token == "" {
		return ""
	}
	return hashSecret("chargebooth bootstrap session " + hashSecret(a.cfg.Token))
}

// memberPrincipal is the principal of an enabled member.
func memberPrincipal(m projections.StaffView, session string) (Principal, error) {
	if !m.Enabled {
		return Principal{}, domain.Errorf(domain.CodeUnauthorized, "staff member %s is disabled", m.Name)
	}
	role := Role(m.Role)
	return Principal{Actor: domain.Actor{ID: m.ID, Name: m.Name, Role: m.Role}, Role: role, session: session}, nil
}

// hashSecret returns the SHA-256 of a token or session cookie, hex: what
// the events and read models keep instead of the secret.
func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// newStaffSecret returns a random 32-byte secret, base64url without padding
// (a staff token or a session cookie).
func newStaffSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// maxCookie bounds a session cookie's value (a secret is 43 characters).
const maxCookie = 64

// validCookie reports whether v can be a session cookie: 1 to maxCookie
// characters of base64url.
func validCookie(v string) bool {
	if v == "" || len(v) > maxCookie {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// parseSessionCookie returns the session cookie's value from a Cookie
// header, if it holds a well-formed one (for edges that see the raw
// header, and the fuzzer).
func parseSessionCookie(header string) (string, bool) {
	r := http.Request{Header: http.Header{"Cookie": {header}}}
	c, err := r.Cookie(sessionCookie)
	if err != nil || !validCookie(c.Value) {
		return "", false
	}
	return c.Value, true
}

// OnRevoked registers f to hear the id of a staff member whose
// credentials were revoked: disabled, token rotated, or one of their
// sessions ended. Other edges drop that member's sockets (a socket whose
// credential still works may reconnect). f runs on a goroutine of its own.
func (a *API) OnRevoked(f func(staffID string)) {
	a.revokeMu.Lock()
	a.revoked = append(a.revoked, f)
	a.revokeMu.Unlock()
}

// watchRevocations is the board listener that closes the live-feed
// sockets of revoked credentials and tells OnRevoked's functions. It runs
// under the board's lock: it only starts goroutines.
func (a *API) watchRevocations(u projections.Update) {
	var id, session, reason string
	switch d := u.Event.Data.(type) {
	case domain.StaffDisabled:
		id, reason = d.StaffID, "staff member disabled"
	case domain.StaffChanged:
		if d.TokenHash == "" {
			return
		}
		id, reason = d.StaffID, "staff token rotated"
	case domain.StaffSignedOut:
		id, session, reason = d.StaffID, d.SessionHash, "signed out"
	default:
		return
	}
	a.revokeMu.Lock()
	fs := append([]func(string){}, a.revoked...)
	a.revokeMu.Unlock()
	go func() {
		if session != "" {
			a.hub.closeSession(session, reason)
		} else {
			a.hub.closeActor(id, reason)
		}
		for _, f := range fs {
			f(id)
		}
	}()
}

// revokedSince says why a live-feed client admitted as actor (with the
// session's hash, or the member token's hash) may no longer stay, "" when
// it may: its member was disabled, its session ended or its token was
// rotated after the admission.
func (a *API) revokedSince(actor, session, token string) string {
	if a.cfg.Board == nil || actor == "" {
		return ""
	}
	if session != "" {
		if _, ok := a.cfg.Board.StaffSession(session, a.now()); !ok {
			return "signed out"
		}
	}
	if token != "" {
		if m, ok := a.cfg.Board.StaffByToken(token); !ok || m.ID != actor {
			return "staff token rotated"
		}
	}
	if actor == domain.BootstrapAdminID {
		return ""
	}
	if m, ok := a.cfg.Board.StaffMember(actor); !ok || !m.Enabled {
		return "staff member disabled"
	}
	return ""
}

// require answers 403 and returns false unless the request's principal
// holds need: for the checks the route table cannot express (a waived
// hand-back needs lead).
func (a *API) require(w http.ResponseWriter, r *http.Request, need Role) bool {
	p, _ := principalFrom(r.Context())
	if p.Can(need) {
		return true
	}
	writeForbidden(w, p, need)
	return false
}

// writeForbidden answers 403 naming the role needed.
func writeForbidden(w http.ResponseWriter, p Principal, need Role) {
	you := string(p.Role)
	if you == "" {
		you = "not signed in"
	}
	writeJSON(w, http.StatusForbidden, errorBody{Error: errorDetail{Code: CodeForbidden,
		Message: fmt.Sprintf("this needs the %s role; you are %s", need, you), Role: string(need)}})
}

// writeAuthError answers a failed authentication: 429 with Retry-After
// when throttled, 401 otherwise.
func writeAuthError(w http.ResponseWriter, err error) {
	var t *throttledError
	if errors.As(err, &t) {
		w.Header().Set("Retry-After", fmt.Sprint(int(t.retry/time.Second)))
		writeError(w, http.StatusTooManyRequests, CodeTooManyAttempts, t.err.Message)
		return
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="chargebooth"`)
	writeError(w, http.StatusUnauthorized, domain.CodeUnauthorized, domain.ErrorMessage(err))
}

// sameOrigin reports whether a cookie-authenticated request that changes
// state comes from the booth's own pages: Sec-Fetch-Site same-origin, or
// (from browsers that do not send it) an Origin equal to the request's own
// scheme and Host.
func (a *API) sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return false
	}
	return strings.EqualFold(origin, a.scheme(r)+"://"+r.Host)
}

// scheme is the request's scheme: https under TLS or, behind a trusted
// proxy, as X-Forwarded-Proto says.
func (a *API) scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	if a.cfg.TrustForwardedProto && strings.EqualFold(strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Proto"), ",")[0]), "https") {
		return "https"
	}
	return "http"
}
