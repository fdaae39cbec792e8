package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// member is a staff member a test added, with their token.
type member struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Role  string `json:"role"`
	Token string `json:"token"`
}

// addStaff adds a member as the bootstrap admin.
func (e *env) addStaff(name, role, pin string) member {
	e.t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "role": role, "pin": pin})
	if pin == "" {
		body, _ = json.Marshal(map[string]string{"name": name, "role": role})
	}
	var m member
	e.must(http.StatusCreated, "POST", "/api/staff", string(body)).decode(e.t, &m)
	if m.Token == "" || m.ID == "" {
		e.t.Fatalf("added %s: no id or token in the answer", name)
	}
	return m
}

// as sends a request with a member's token.
func (e *env) as(token, method, path, body string, hdr ...string) resp {
	e.t.Helper()
	return e.do(method, path, body, append([]string{"Authorization", "Bearer " + token}, hdr...)...)
}

// login signs in with body and returns the answer and the session cookie
// (nil when none was set).
func (e *env) login(body string, hdr ...string) (resp, *http.Cookie) {
	e.t.Helper()
	r := e.do("POST", "/api/login", body, append([]string{"Authorization", "-"}, hdr...)...)
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "cb_session" {
			return r, c
		}
	}
	return r, nil
}

// withCookie sends a request carrying only the session cookie; state
// changes come with the same-origin header the dashboard's fetch sends.
func (e *env) withCookie(c *http.Cookie, method, path, body string, hdr ...string) resp {
	e.t.Helper()
	h := []string{"Authorization", "-", "Cookie", c.Name + "=" + c.Value}
	if method != "GET" {
		h = append(h, "Origin", e.srv.URL)
	}
	return e.do(method, path, body, append(h, hdr...)...)
}

// errorRole decodes the role of a 403's error.
func (r resp) errorRole(tb testing.TB) string {
	tb.Helper()
	var b struct {
		Error struct {
			Role string `json:"role"`
		} `json:"error"`
	}
	r.decode(tb, &b)
	return b.Error.Role
}

// concrete turns a route pattern into a method and a path to request.
func concrete(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	var b strings.Builder
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			b.WriteString(path)
			break
		}
		j := strings.IndexByte(path[i:], '}')
		b.WriteString(path[:i])
		b.WriteString("x9") // a valid id nothing has
		path = path[i+j+1:]
	}
	return method, b.String()
}
