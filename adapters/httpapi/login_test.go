package httpapi_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/gorilla/websocket"
)

// meBody is the body of login and me.
type meBody struct {
	Staff struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Role string `json:"role"`
	} `json:"staff"`
	Roles   []string `json:"roles"`
	Expires string   `json:"expires"`
}

func TestLogin(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config) { c.SessionTTL = 3 * time.Hour })
	lead := e.addStaff("Lee", "lead", "4321")
	nopin := e.addStaff("Nia", "staff", "")
	tests := []struct {
		name      string
		body      string
		wantCode  int
		wantError string
		wantName  string
		wantRoles string
	}{
		{name: "name and pin", body: `{"name":"Lee","pin":"4321"}`, wantCode: 200, wantName: "Lee", wantRoles: "staff,lead"},
		{name: "name ignores case", body: `{"name":"lee","pin":"4321"}`, wantCode: 200, wantName: "Lee", wantRoles: "staff,lead"},
		{name: "member token", body: `{"token":"` + nopin.Token + `"}`, wantCode: 200, wantName: "Nia", wantRoles: "staff"},
		{name: "bootstrap token", body: `{"token":"` + testToken + `"}`, wantCode: 200, wantName: "admin", wantRoles: "staff,lead,ops,admin"},
		{name: "wrong pin", body: `{"name":"Lee","pin":"1234"}`, wantCode: 401, wantError: "bad_credentials"},
		{name: "unknown name", body: `{"name":"Zed","pin":"1234"}`, wantCode: 401, wantError: "bad_credentials"},
		{name: "member without pin", body: `{"name":"Nia","pin":"0000"}`, wantCode: 401, wantError: "bad_credentials"},
		{name: "wrong token", body: `{"token":"nope"}`, wantCode: 401, wantError: "bad_credentials"},
		{name: "token and pin", body: `{"token":"x","name":"Lee","pin":"4321"}`, wantCode: 400, wantError: "invalid_input"},
		{name: "name without pin", body: `{"name":"Lee"}`, wantCode: 400, wantError: "invalid_input"},
		{name: "unknown field", body: `{"user":"Lee"}`, wantCode: 400},
		{name: "not json", body: `tok`, wantCode: 400, wantError: "malformed_json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cookie := e.login(tt.body)
			if got.code != tt.wantCode {
				t.Fatalf("status: got %d, want %d; body %s", got.code, tt.wantCode, got.body)
			}
			if tt.wantCode != 200 {
				if cookie != nil {
					t.Errorf("a refused login set a cookie")
				}
				if tt.wantError != "" {
					if code, _ := got.apiError(t); code != tt.wantError {
						t.Errorf("error: got %s, want %s", code, tt.wantError)
					}
				}
				return
			}
			var me meBody
			got.decode(t, &me)
			if me.Staff.Name != tt.wantName || strings.Join(me.Roles, ",") != tt.wantRoles {
				t.Errorf("got %s %v, want %s %s", me.Staff.Name, me.Roles, tt.wantName, tt.wantRoles)
			}
			exp, err := time.Parse(time.RFC3339, me.Expires)
			if err != nil || !exp.Equal(day0.Add(3*time.Hour)) {
				t.Errorf("expires %q, want %s", me.Expires, day0.Add(3*time.Hour).Format(time.RFC3339))
			}
			if cookie == nil {
				t.Fatal("no cb_session cookie")
			}
			if !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/" || cookie.MaxAge != 3*3600 || cookie.Secure {
				t.Errorf("cookie %+v: want HttpOnly, SameSite=Strict, Path=/, Max-Age=10800, not Secure over http", cookie)
			}
			if strings.Contains(cookie.Value, lead.Token) || strings.Contains(string(got.body), cookie.Value) {
				t.Errorf("the cookie leaks a token or is in the body")
			}
			var again meBody
			e.withCookie(cookie, "GET", "/api/me", "").decode(t, &again)
			if again.Staff != me.Staff || again.Expires != me.Expires {
				t.Errorf("me: got %+v, want %+v", again, me)
			}
		})
	}
}

func TestLoginCookieSecure(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config) { c.TrustForwardedProto = true })
	_, c := e.login(`{"token":"`+testToken+`"}`, "X-Forwarded-Proto", "https")
	if c == nil || !c.Secure {
		t.Fatalf("behind a TLS proxy: cookie %+v, want Secure", c)
	}
	e2 := newEnv(t)
	_, c = e2.login(`{"token":"`+testToken+`"}`, "X-Forwarded-Proto", "https")
	if c == nil || c.Secure {
		t.Fatalf("untrusted X-Forwarded-Proto: cookie %+v, want not Secure", c)
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	e.addStaff("Lee", "lead", "4321")
	_, c := e.login(`{"name":"Lee","pin":"4321"}`)
	e.withCookie(c, "GET", "/api/me", "")
	got := e.withCookie(c, "POST", "/api/logout", "")
	if got.code != http.StatusNoContent {
		t.Fatalf("logout: got %d %s", got.code, got.body)
	}
	cleared := (&http.Response{Header: got.header}).Cookies()
	if len(cleared) != 1 || cleared[0].Name != "cb_session" || cleared[0].MaxAge >= 0 {
		t.Errorf("logout cookies %+v: want cb_session cleared", cleared)
	}
	if got := e.withCookie(c, "GET", "/api/me", ""); got.code != http.StatusUnauthorized {
		t.Errorf("me after logout: got %d, want 401", got.code)
	}
	if got := e.do("POST", "/api/logout", "", "Authorization", "-"); got.code != http.StatusNoContent {
		t.Errorf("logout without a session: got %d, want 204", got.code)
	}
}

// TestSessionExpires: a session stops at its expiry.
func TestSessionExpires(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config) { c.SessionTTL = time.Hour })
	_, c := e.login(`{"token":"` + testToken + `"}`)
	if got := e.withCookie(c, "GET", "/api/me", ""); got.code != 200 {
		t.Fatalf("me: got %d", got.code)
	}
	e.clock.Advance(time.Hour)
	if got := e.withCookie(c, "GET", "/api/me", ""); got.code != http.StatusUnauthorized {
		t.Errorf("me after the expiry: got %d, want 401", got.code)
	}
}

// TestCookieCSRF: a change made with the cookie must come from the
// booth's own origin; the bearer token needs no such check.
func TestCookieCSRF(t *testing.T) {
	e := newEnv(t)
	e.reading("c1", 40)
	e.caughtUp()
	_, c := e.login(`{"token":"` + testToken + `"}`)
	cookie := "cb_session=" + c.Value
	tests := []struct {
		name string
		hdr  []string
		want int
	}{
		{"same origin", []string{"Origin", e.srv.URL}, 200},
		{"sec-fetch-site same-origin", []string{"Sec-Fetch-Site", "same-origin"}, 200},
		{"no origin at all", nil, 403},
		{"another origin", []string{"Origin", "http://evil.example"}, 403},
		{"cross-site fetch", []string{"Sec-Fetch-Site", "cross-site", "Origin", e.srv.URL}, 403},
		{"same-site is not same-origin", []string{"Sec-Fetch-Site", "same-site"}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := e.do("PUT", "/api/pairings/c1", `{"widgetId":"w1"}`, append([]string{"Authorization", "-", "Cookie", cookie}, tt.hdr...)...)
			if got.code != tt.want {
				t.Fatalf("got %d, want %d; body %s", got.code, tt.want, got.body)
			}
			if tt.want == 403 {
				if code, _ := got.apiError(t); code != httpapi.CodeCrossOrigin {
					t.Errorf("code %s, want %s", code, httpapi.CodeCrossOrigin)
				}
			}
		})
	}
	if got := e.do("GET", "/api/pairings", "", "Authorization", "-", "Cookie", cookie, "Origin", "http://evil.example"); got.code != 200 {
		t.Errorf("a read needs no origin check: got %d", got.code)
	}
	if got := e.do("PUT", "/api/pairings/c1", `{"widgetId":"w2"}`, "Origin", "http://evil.example"); got.code != 200 {
		t.Errorf("the bearer token needs no origin check: got %d %s", got.code, got.body)
	}
}

// dialClosed waits until the live socket is closed by the server and
// returns the close error.
func dialClosed(tb testing.TB, c *websocket.Conn) *websocket.CloseError {
	tb.Helper()
	var ce *websocket.CloseError
	testkit.CheckFor(tb, 5*time.Second, func() error {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			_, _, err := c.ReadMessage()
			if err == nil {
				continue
			}
			if errors.As(err, &ce) {
				return nil
			}
			return fmt.Errorf("read: %v (not a close frame)", err)
		}
	})
	return ce
}

// TestDisableStopsAtOnce: disabling a member stops their token, their
// session cookie and their open live feeds at once; other members go on.
func TestDisableStopsAtOnce(t *testing.T) {
	e := newEnv(t)
	m := e.addStaff("Sam", "staff", "1111")
	other := e.addStaff("Ola", "staff", "")
	_, c := e.login(`{"name":"Sam","pin":"1111"}`)
	if got := e.as(m.Token, "GET", "/api/chargers", ""); got.code != 200 {
		t.Fatalf("before: token got %d", got.code)
	}
	byToken := e.mustDialAs("Authorization", "Bearer "+m.Token)
	byCookie := e.mustDialAs("Cookie", "cb_session="+c.Value, "Origin", e.srv.URL)
	otherFeed := e.mustDialAs("Authorization", "Bearer "+other.Token)

	e.must(http.StatusOK, "DELETE", "/api/staff/"+m.ID, "")

	if got := e.as(m.Token, "GET", "/api/chargers", ""); got.code != http.StatusUnauthorized {
		t.Errorf("token after disable: got %d, want 401", got.code)
	}
	if got := e.withCookie(c, "GET", "/api/me", ""); got.code != http.StatusUnauthorized {
		t.Errorf("cookie after disable: got %d, want 401", got.code)
	}
	for name, ws := range map[string]*websocket.Conn{"token": byToken, "cookie": byCookie} {
		if ce := dialClosed(t, ws); ce.Code != websocket.ClosePolicyViolation {
			t.Errorf("live feed by %s: closed %d %q, want 1008", name, ce.Code, ce.Text)
		}
	}
	send(t, otherFeed, `{"action":"subscribe","chargerId":"*"}`)
	read(t, otherFeed) // the other member's feed still answers
	if got := e.as(other.Token, "GET", "/api/chargers", ""); got.code != 200 {
		t.Errorf("another member after the disable: got %d", got.code)
	}
	if got, _ := e.login(`{"name":"Sam","pin":"1111"}`); got.code != http.StatusUnauthorized {
		t.Errorf("disabled member signs in: got %d, want 401", got.code)
	}
	// Enabled again, the token works; the old session stays ended.
	e.must(http.StatusOK, "PATCH", "/api/staff/"+m.ID, `{"enabled":true}`)
	if got := e.as(m.Token, "GET", "/api/chargers", ""); got.code != 200 {
		t.Errorf("token after enable: got %d", got.code)
	}
	if got := e.withCookie(c, "GET", "/api/me", ""); got.code != http.StatusUnauthorized {
		t.Errorf("old cookie after enable: got %d, want 401", got.code)
	}
}

// TestRotateToken: the old token stops, the new one works, shown once.
func TestRotateToken(t *testing.T) {
	e := newEnv(t)
	m := e.addStaff("Sam", "staff", "")
	feed := e.mustDialAs("Authorization", "Bearer "+m.Token)
	var out member
	e.must(http.StatusOK, "PATCH", "/api/staff/"+m.ID, `{"rotateToken":true,"role":"lead"}`).decode(t, &out)
	if out.Token == "" || out.Token == m.Token || out.Role != "lead" {
		t.Fatalf("rotated: %+v", out)
	}
	if got := e.as(m.Token, "GET", "/api/chargers", ""); got.code != http.StatusUnauthorized {
		t.Errorf("old token: got %d, want 401", got.code)
	}
	if got := e.as(out.Token, "GET", "/api/audit", ""); got.code != 200 {
		t.Errorf("new token as lead reads the audit: got %d", got.code)
	}
	dialClosed(t, feed)
	var list struct {
		Staff []map[string]any `json:"staff"`
	}
	e.must(http.StatusOK, "GET", "/api/staff", "").decode(t, &list)
	for _, s := range list.Staff {
		for k := range s {
			if strings.Contains(strings.ToLower(k), "hash") || k == "token" {
				t.Errorf("GET /api/staff shows %s", k)
			}
		}
	}
}

func TestStaffManagement(t *testing.T) {
	e := newEnv(t)
	e.addStaff("Anna", "staff", "")
	tests := []struct {
		name, method, path, body string
		want                     int
		wantCode                 string
	}{
		{"name taken ignoring case", "POST", "/api/staff", `{"name":"ANNA","role":"staff"}`, 409, "staff_name_taken"},
		{"bad role", "POST", "/api/staff", `{"name":"Bo","role":"boss"}`, 400, "invalid_input"},
		{"no name", "POST", "/api/staff", `{"name":"","role":"staff"}`, 400, "invalid_input"},
		{"control characters", "POST", "/api/staff", `{"name":"Bo\u0007","role":"staff"}`, 400, "invalid_input"},
		{"bidi override", "POST", "/api/staff", `{"name":"Bo\u202e","role":"staff"}`, 400, "invalid_input"},
		{"name too long", "POST", "/api/staff", `{"name":"` + strings.Repeat("x", 65) + `","role":"staff"}`, 400, "invalid_input"},
		{"pin too short", "POST", "/api/staff", `{"name":"Bo","role":"staff","pin":"123"}`, 400, "invalid_input"},
		{"pin too long", "POST", "/api/staff", `{"name":"Bo","role":"staff","pin":"123456789"}`, 400, "invalid_input"},
		{"pin not digits", "POST", "/api/staff", `{"name":"Bo","role":"staff","pin":"12a4"}`, 400, "invalid_input"},
		{"unknown member", "PATCH", "/api/staff/nobody", `{"role":"lead"}`, 404, "not_found"},
		{"disable unknown", "DELETE", "/api/staff/nobody", "", 404, "not_found"},
		{"eight digit pin", "POST", "/api/staff", `{"name":"Bo","role":"ops","pin":"12345678"}`, 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := e.do(tt.method, tt.path, tt.body)
			if got.code != tt.want {
				t.Fatalf("got %d, want %d; body %s", got.code, tt.want, got.body)
			}
			if tt.wantCode != "" {
				if code, _ := got.apiError(t); code != tt.wantCode {
					t.Errorf("code %s, want %s", code, tt.wantCode)
				}
			}
		})
	}
}

// mustDialAs opens the live feed with the given headers.
func (e *env) mustDialAs(hdr ...string) *websocket.Conn {
	e.t.Helper()
	c, res, err := e.dial("", hdr...)
	if err != nil {
		code := 0
		if res != nil {
			code = res.StatusCode
		}
		e.t.Fatalf("dial live: %v (status %d)", err, code)
	}
	e.t.Cleanup(func() { c.Close() })
	return c
}

// TestRevokedSinceTokenRotation: a live-feed client admitted with a member
// token that was rotated before it was registered is told to go (the
// rotation's own close found no socket to close yet); one admitted with the
// current token, or with a cookie, stays.
func TestRevokedSinceTokenRotation(t *testing.T) {
	e := newEnv(t)
	m := e.addStaff("Rui", "staff", "")
	old := httpapi.HashSecret(m.Token)
	if why := e.api.RevokedSince(m.ID, "", old); why != "" {
		t.Fatalf("current token: %q, want it kept", why)
	}
	var out member
	e.must(http.StatusOK, "PATCH", "/api/staff/"+m.ID, `{"rotateToken":true}`).decode(t, &out)
	testkit.CheckFor(t, 5*time.Second, func() error {
		if why := e.api.RevokedSince(m.ID, "", old); why != "staff token rotated" {
			return fmt.Errorf("rotated token: %q, want \"staff token rotated\"", why)
		}
		return nil
	})
	if why := e.api.RevokedSince(m.ID, "", httpapi.HashSecret(out.Token)); why != "" {
		t.Errorf("the new token: %q, want it kept", why)
	}
}
