package socketio

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// staffCommand maps a Socket.IO command onto the staff API route that
// runs it: the payload's path field names the charger or session, the
// other fields are the route's JSON body.
type staffCommand struct {
	method, route string            // route has one {id}: the path id
	pathField     string            // the payload field holding the path id
	header        map[string]string // payload field → request header
}

// staffCommands are the commands a socket may send, by event name.
var staffCommands = map[string]staffCommand{
	"remoteStart": {method: http.MethodPost, route: "/api/chargers/{id}/remote-start", pathField: "chargerId"},
	"remoteStop":  {method: http.MethodPost, route: "/api/chargers/{id}/remote-stop", pathField: "chargerId"},
	"checkIn":     {method: http.MethodPost, route: "/api/sessions"},
	"payment": {method: http.MethodPost, route: "/api/sessions/{id}/payments", pathField: "sessionId",
		header: map[string]string{"idempotencyKey": "Idempotency-Key"}},
	"handBack": {method: http.MethodPost, route: "/api/sessions/{id}/handback", pathField: "sessionId"},
}

// commands registers the staff commands and the reminder protocol on c.
func (s *Server) commands(c *conn) {
	for name, sc := range staffCommands {
		sc := sc
		_ = c.so.On(name, func(args ...any) {
			ack, args := splitAck(args)
			go func() { reply(ack, s.runStaff(c, sc, args)) }()
		})
	}
	_ = c.so.On("command", func(args ...any) {
		ack, args := splitAck(args)
		var arg any
		if len(args) > 0 {
			arg = args[0]
		}
		go func() { reply(ack, s.reminderCommand(c, arg)) }()
	})
}

// runStaff runs one staff command through the API in-process, with the
// socket's credentials, and returns the acknowledgement: {ok: true,
// result: <the API's JSON>} or {ok: false, status, error: {code, message}}.
func (s *Server) runStaff(c *conn, sc staffCommand, args []any) any {
	var body map[string]any
	if len(args) > 0 {
		m, ok := args[0].(map[string]any)
		if !ok {
			return failure(domain.Errorf(domain.CodeInvalidInput, "send the command's fields as an object"))
		}
		body = make(map[string]any, len(m))
		for k, v := range m {
			body[k] = v
		}
	}
	if body == nil {
		body = map[string]any{}
	}
	route := sc.route
	if sc.pathField != "" {
		id, ok := body[sc.pathField].(string)
		if !ok || id == "" {
			return failure(domain.Errorf(domain.CodeInvalidInput, "%s is required", sc.pathField))
		}
		if err := checkPathID(sc.pathField, id); err != nil {
			return failure(err)
		}
		delete(body, sc.pathField)
		route = strings.Replace(route, "{id}", url.PathEscape(id), 1)
	}
	hdr := http.Header{}
	for field, name := range sc.header {
		if v, ok := body[field]; ok {
			sv, ok := v.(string)
			if !ok {
				return failure(domain.Errorf(domain.CodeInvalidInput, "%s must be a string", field))
			}
			hdr.Set(name, sv)
			delete(body, field)
		}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return failure(domain.Errorf(domain.CodeInvalidInput, "the command's fields are not JSON"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	ctx = domain.WithActor(ctx, c.cred.actor)
	r, err := http.NewRequestWithContext(ctx, sc.method, route, bytes.NewReader(b))
	if err != nil {
		return failure(domain.Errorf(domain.CodeInvalidInput, "bad command path"))
	}
	r.Host = c.cred.host
	r.RemoteAddr = c.cred.remote
	for k, v := range hdr {
		r.Header[k] = v
	}
	r.Header.Set("Content-Type", "application/json")
	if c.cred.token != "" {
		r.Header.Set("Authorization", "Bearer "+c.cred.token)
	}
	if c.cred.cookie != "" {
		r.Header.Set("Cookie", c.cred.cookie)
	}
	for name, v := range map[string]string{"Origin": c.cred.origin, "Sec-Fetch-Site": c.cred.fetchSite, "X-Forwarded-Proto": c.cred.forwardedProto} {
		if v != "" {
			r.Header.Set(name, v)
		}
	}
	if c.cred.tls {
		r.TLS = &tls.ConnectionState{} // the page came over TLS: its origin is https
	}
	w := &recorder{header: http.Header{}}
	s.cfg.API.ServeHTTP(w, r)
	return answer(w)
}

// checkPathID refuses a path id that is not a charger id or a session id
// as the API takes them, before it becomes part of a path.
func checkPathID(field, id string) error {
	if field == "chargerId" {
		if id == "." || id == ".." {
			return domain.Errorf(domain.CodeInvalidID, "chargerId %q cannot name a charger in a path", id)
		}
		return domain.ValidateDeviceID("charger", id)
	}
	ok := id != "" && len(id) <= 64
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	if !ok {
		return domain.Errorf(domain.CodeInvalidID, "%s must hold 1 to 64 letters and digits", field)
	}
	return nil
}

// answer turns the API's response into the acknowledgement.
func answer(w *recorder) any {
	code := w.code
	if code == 0 {
		code = http.StatusOK
	}
	var v any
	if err := json.Unmarshal(w.body.Bytes(), &v); err != nil {
		v = nil
	}
	if code < 300 {
		return map[string]any{"ok": true, "status": code, "result": v}
	}
	if m, ok := v.(map[string]any); ok {
		if e, ok := m["error"]; ok {
			return map[string]any{"ok": false, "status": code, "error": e}
		}
	}
	return map[string]any{"ok": false, "status": code, "error": errorDetail{Code: domain.CodeInternal, Message: http.StatusText(code)}}
}

// recorder collects an in-process response.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.body.Write(b)
}

// failure is the acknowledgement of a refused command or subscription.
func failure(err error) map[string]any {
	return map[string]any{"ok": false, "error": errorDetail{Code: domain.ErrorCode(err), Message: domain.ErrorMessage(err)}}
}

// splitAck separates the acknowledgement callback (the last argument when
// the client asked for one) from the arguments.
func splitAck(args []any) (socket.Ack, []any) {
	if n := len(args); n > 0 {
		if a, ok := args[n-1].(socket.Ack); ok {
			return a, args[:n-1]
		}
		if a, ok := args[n-1].(func([]any, error)); ok {
			return a, args[:n-1]
		}
	}
	return nil, args
}

// reply acknowledges with v; a client that asked for no acknowledgement
// gets none.
func reply(ack socket.Ack, v any) {
	if ack != nil {
		ack([]any{v}, nil)
	}
}
