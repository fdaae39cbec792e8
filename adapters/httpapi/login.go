package httpapi

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"golang.org/x/crypto/bcrypt"
)

// loginRequest is POST /api/login's body: a token, or a name and a PIN.
type loginRequest struct {
	Token string `json:"token,omitempty"`
	Name  string `json:"name,omitempty"`
	PIN   string `json:"pin,omitempty"`
}

// decodeLogin decodes a login body strictly: either token alone or name
// and pin together.
func decodeLogin(body []byte) (loginRequest, error) {
	var req loginRequest
	if err := decodeJSON(body, &req); err != nil {
		return loginRequest{}, err
	}
	switch {
	case req.Token != "" && req.Name == "" && req.PIN == "":
	case req.Token == "" && req.Name != "" && req.PIN != "":
	default:
		return loginRequest{}, domain.Errorf(domain.CodeInvalidInput, `give {"token":"…"} or {"name":"…","pin":"…"}`)
	}
	if len(req.Token) > 256 || len(req.Name) > 4*domain.MaxStaffName || len(req.PIN) > maxPIN {
		return loginRequest{}, domain.Errorf(domain.CodeInvalidInput, "the credentials are too long")
	}
	return req, nil
}

// meResponse is the body of POST /api/login and GET /api/me.
type meResponse struct {
	Staff   meStaff  `json:"staff"`
	Roles   []string `json:"roles"`
	Expires string   `json:"expires,omitempty"`
}

type meStaff struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

func meOf(p Principal, expires time.Time) meResponse {
	out := meResponse{Staff: meStaff{ID: p.Actor.ID, Name: p.Actor.Name, Role: string(p.Role)}, Roles: []string{}}
	for _, r := range p.Role.Holds() {
		out.Roles = append(out.Roles, string(r))
	}
	if !expires.IsZero() {
		out.Expires = expires.UTC().Format(time.RFC3339)
	}
	return out
}

// dummyPIN returns the hash compared when a name is unknown (or has no
// PIN), so that the answer takes as long as for a known name.
var dummyPIN = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("no PIN"), pinCost)
	return h
})

// login answers POST /api/login: checks a token or a name and PIN, records
// a session (staff.signed_in, only the cookie's hash) and sets the cookie.
func (a *API) login(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Origin") != "" && !a.sameOrigin(r) {
		writeError(w, http.StatusForbidden, CodeCrossOrigin, "sign in from the booth's own pages")
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	req, err := decodeLogin(body)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	addr, now := clientAddr(r, a.cfg.TrustForwardedProto), a.now()
	if err := a.throttled(addr, "from "+addr, now); err != nil {
		writeAuthError(w, err)
		return
	}
	// A PIN is short: its guesses are throttled per name too, so that
	// many addresses together cannot try them all.
	nameKey := ""
	if req.Name != "" {
		nameKey = "name\x00" + strings.ToLower(req.Name)
		if err := a.throttled(nameKey, "for this name", now); err != nil {
			writeAuthError(w, err)
			return
		}
	}
	p, method, ok := a.checkLogin(req)
	if !ok {
		a.throttle.fail(addr, now)
		if nameKey != "" {
			a.throttle.fail(nameKey, now)
		}
		writeError(w, http.StatusUnauthorized, CodeBadCredentials, "the token, or the name and PIN, are not right (or the member is disabled)")
		return
	}
	cookie, err := newStaffSecret()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	expires := now.Add(a.cfg.SessionTTL)
	ctx := domain.WithActor(r.Context(), p.Actor)
	events, err := a.cfg.Service.OnStaff(ctx, func(s *domain.Staff, x domain.Ctx) ([]domain.Event, error) {
		return s.SignIn(x, p.Actor.ID, hashSecret(cookie), method, a.bootstrapCredential(p), expires)
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.waitApplied(r.Context(), events)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: cookie, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: a.scheme(r) == "https", MaxAge: int(a.cfg.SessionTTL / time.Second)})
	writeJSON(w, http.StatusOK, meOf(p, expires))
}

// checkLogin checks a login's credentials.
func (a *API) checkLogin(req loginRequest) (Principal, string, bool) {
	if req.Token != "" {
		p, err := a.byToken(req.Token)
		return p, "token", err == nil
	}
	m, known := a.cfg.Board.StaffByName(req.Name)
	hash := dummyPIN()
	if known && m.PINHash != "" {
		hash = []byte(m.PINHash)
	}
	match := bcrypt.CompareHashAndPassword(hash, []byte(req.PIN)) == nil
	if subtle.ConstantTimeEq(boolInt(known && m.PINHash != "" && match), 1) != 1 {
		return Principal{}, "", false
	}
	p, err := memberPrincipal(m, "")
	return p, "pin", err == nil
}

func boolInt(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// logout answers POST /api/logout: ends the cookie's session, if any, and
// clears the cookie. It needs no credential (an expired cookie is cleared
// too) and always answers 204.
func (a *API) logout(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Origin") != "" && !a.sameOrigin(r) {
		writeError(w, http.StatusForbidden, CodeCrossOrigin, "sign out from the booth's own pages")
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil && validCookie(c.Value) {
		h := hashSecret(c.Value)
		if s, ok := a.cfg.Board.StaffSession(h, a.now()); ok {
			actor := domain.Actor{ID: s.StaffID, Name: s.StaffID}
			if m, ok := a.cfg.Board.StaffMember(s.StaffID); ok {
				actor = domain.Actor{ID: m.ID, Name: m.Name, Role: m.Role}
			} else if s.StaffID == domain.BootstrapAdminID {
				actor = bootstrapAdmin.Actor
			}
			events, err := a.cfg.Service.OnStaff(domain.WithActor(r.Context(), actor), func(st *domain.Staff, x domain.Ctx) ([]domain.Event, error) {
				return st.SignOut(x, s.StaffID, h)
			})
			if err != nil {
				a.fail(w, r, err)
				return
			}
			a.waitApplied(r.Context(), events)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: a.scheme(r) == "https", MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
}

// me answers GET /api/me: who the request acts as.
func (a *API) me(w http.ResponseWriter, r *http.Request) {
	p, _ := principalFrom(r.Context())
	var expires time.Time
	if p.session != "" {
		if s, ok := a.cfg.Board.StaffSession(p.session, a.now()); ok {
			expires = s.Expires
		}
	}
	writeJSON(w, http.StatusOK, meOf(p, expires))
}
