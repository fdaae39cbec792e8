package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/gorilla/websocket"
)

// liveMsg is anything the live feed sends.
type liveMsg struct {
	Type      string          `json:"type"`
	ChargerID string          `json:"chargerId"`
	WidgetID  string          `json:"widgetId"`
	SessionID string          `json:"sessionId"`
	Seq       uint64          `json:"seq"`
	Data      json.RawMessage `json:"data"`
}

func (e *env) wsURL(query string) string {
	u := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/api/live"
	if query != "" {
		u += "?" + query
	}
	return u
}

// dial opens the live feed; hdr is name, value pairs.
func (e *env) dial(query string, hdr ...string) (*websocket.Conn, *http.Response, error) {
	e.t.Helper()
	h := http.Header{}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Set(hdr[i], hdr[i+1])
	}
	return websocket.DefaultDialer.Dial(e.wsURL(query), h)
}

func (e *env) mustDial(hdr ...string) *websocket.Conn {
	e.t.Helper()
	c, _, err := e.dial("", append([]string{"Authorization", "Bearer " + testToken}, hdr...)...)
	if err != nil {
		e.t.Fatalf("dial live: %v", err)
	}
	e.t.Cleanup(func() { c.Close() })
	return c
}

func send(tb testing.TB, c *websocket.Conn, msg string) {
	tb.Helper()
	if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		tb.Fatalf("send %s: %v", msg, err)
	}
}

func read(tb testing.TB, c *websocket.Conn) liveMsg {
	tb.Helper()
	return decodeLive(tb, readRaw(tb, c, 5*time.Second))
}

// readRaw reads one message from c within timeout.
func readRaw(tb testing.TB, c *websocket.Conn, timeout time.Duration) []byte {
	tb.Helper()
	_ = c.SetReadDeadline(time.Now().Add(timeout))
	_, b, err := c.ReadMessage()
	if err != nil {
		tb.Fatalf("read live: %v", err)
	}
	return b
}

func decodeLive(tb testing.TB, b []byte) liveMsg {
	tb.Helper()
	var m liveMsg
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("live message %s: %v", b, err)
	}
	return m
}

// readUntil reads until a message matches and returns all read.
func readUntil(tb testing.TB, c *websocket.Conn, match func(liveMsg) bool) []liveMsg {
	tb.Helper()
	var out []liveMsg
	for {
		m := read(tb, c)
		out = append(out, m)
		if match(m) {
			return out
		}
	}
}

func subscribe(tb testing.TB, c *websocket.Conn, chargerID string) {
	tb.Helper()
	send(tb, c, `{"action":"subscribe","chargerId":"`+chargerID+`"}`)
	if m := read(tb, c); m.Type != "subscribed" || m.ChargerID != chargerID {
		tb.Fatalf("subscribe ack: got %+v, want subscribed %s", m, chargerID)
	}
}

func TestLiveFeed(t *testing.T) {
	e := newEnv(t)
	one := e.mustDial()
	subscribe(t, one, "c1234")
	all := e.mustDial()
	subscribe(t, all, "*")

	e.reading("c9999", 20)
	e.reading("c1234", 70)

	isSoC := func(charger string) func(liveMsg) bool {
		return func(m liveMsg) bool { return m.Type == "charger.soc_reported" && m.ChargerID == charger }
	}
	got := readUntil(t, one, isSoC("c1234"))
	for _, m := range got {
		if m.ChargerID != "c1234" {
			t.Errorf("c1234 subscriber got %s of %s", m.Type, m.ChargerID)
		}
	}
	if got[0].Type != "session.opened" || got[0].SessionID == "" || got[0].Seq == 0 {
		t.Errorf("first event: got %+v, want session.opened with a session and seq", got[0])
	}
	var soc struct {
		SoC    float64 `json:"soc"`
		Status string  `json:"status"`
	}
	if err := json.Unmarshal(got[len(got)-1].Data, &soc); err != nil || soc.SoC != 70 || soc.Status != "charging" {
		t.Errorf("reading data: got %+v (%v), want 70 charging", soc, err)
	}

	seen := map[string]bool{}
	for _, m := range readUntil(t, all, isSoC("c1234")) {
		seen[m.ChargerID] = true
	}
	if !seen["c9999"] || !seen["c1234"] {
		t.Errorf("* subscriber saw chargers %v, want c9999 and c1234", seen)
	}

	// Pairing and notice events go to everyone.
	e.must(http.StatusOK, "PUT", "/api/pairings/c5555", `{"widgetId":"w5"}`)
	if m := readUntil(t, one, func(m liveMsg) bool { return m.Type == "pairing.set" }); m[len(m)-1].ChargerID != "c5555" {
		t.Errorf("pairing event: got %+v", m[len(m)-1])
	}
	e.must(http.StatusCreated, "POST", "/api/notices", `{"at":"2026-07-04 23:30","timeZone":"Europe/Madrid","text":"closing soon"}`)
	readUntil(t, one, func(m liveMsg) bool { return m.Type == "notice.scheduled" })

	// Unsubscribed: c1234's next reading does not come, c9999's does (via *).
	send(t, one, `{"action":"unsubscribe","chargerId":"c1234"}`)
	if m := read(t, one); m.Type != "unsubscribed" {
		t.Fatalf("unsubscribe ack: got %+v", m)
	}
	subscribe(t, one, "c9999")
	e.reading("c1234", 75)
	e.reading("c9999", 25)
	for _, m := range readUntil(t, one, isSoC("c9999")) {
		if m.ChargerID == "c1234" {
			t.Errorf("after unsubscribe got %s of c1234", m.Type)
		}
	}
}

func TestLiveBadMessages(t *testing.T) {
	e := newEnv(t)
	c := e.mustDial()
	wantLiveRefusals(t, c, []liveRefusal{
		{"not json", `hello`, "malformed_json"},
		{"truncated", `{"action":"subscribe"`, "malformed_json"},
		{"unknown action", `{"action":"watch","chargerId":"c1"}`, "unknown_action"},
		{"unknown field", `{"action":"subscribe","chargerId":"c1","x":1}`, "invalid_input"},
		{"invalid charger", `{"action":"subscribe","chargerId":"c 1"}`, "invalid_id"},
		{"missing charger", `{"action":"subscribe"}`, "invalid_id"},
	})
	// The socket still works.
	subscribe(t, c, "c1")
	if err := c.WriteMessage(websocket.BinaryMessage, []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	if m := read(t, c); m.Type != "error" {
		t.Errorf("binary frame: got %+v, want an error", m)
	}
}

// liveRefusal is a message the live socket refuses, and the code it
// answers.
type liveRefusal struct {
	name string
	msg  string
	code string
}

// wantLiveRefusals sends each message on c, as a subtest, and wants an
// error message with its code and a message.
func wantLiveRefusals(t *testing.T, c *websocket.Conn, tests []liveRefusal) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			send(t, c, tc.msg)
			m := read(t, c)
			var d errorDetailMsg
			if err := json.Unmarshal(m.Data, &d); err != nil || m.Type != "error" || d.Code != tc.code || d.Message == "" {
				t.Errorf("got %+v %+v, want an error with code %s", m, d, tc.code)
			}
		})
	}
}

func TestLiveAuthAndOrigin(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config) {
		c.AllowedOrigins = []string{"https://booth.example/"}
		c.AllowedHosts = []string{"booth.local"}
	})
	u, err := url.Parse(e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	port := u.Port()
	tests := []struct {
		name   string
		query  string
		hdr    []string
		status int // 0: upgraded
	}{
		{"token in query", "token=" + url.QueryEscape(testToken), nil, 0},
		{"token in header", "", []string{"Authorization", "Bearer " + testToken}, 0},
		{"no token", "", nil, http.StatusUnauthorized},
		{"wrong query token", "token=nope", nil, http.StatusUnauthorized},
		{"same origin", "token=" + testToken, []string{"Origin", e.srv.URL}, 0},
		{"allowed origin", "token=" + testToken, []string{"Origin", "https://booth.example"}, 0},
		{"wrong origin", "token=" + testToken, []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"bad origin", "token=" + testToken, []string{"Origin", "null"}, http.StatusForbidden},
		{"same host, other scheme", "token=" + testToken, []string{"Origin", "https://" + u.Host}, http.StatusForbidden},
		{"same host, other port", "token=" + testToken, []string{"Origin", "http://127.0.0.1:1"}, http.StatusForbidden},
		{"allowed host, other scheme", "token=" + testToken, []string{"Origin", "http://booth.example"}, http.StatusForbidden},
		{"configured host name", "token=" + testToken, []string{"Origin", "http://booth.local:" + port, "Host", "booth.local:" + port}, 0},
		{"DNS-rebound host pair", "token=" + testToken, []string{"Origin", "http://evil.example:" + port, "Host", "evil.example:" + port}, http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, res, err := e.dial(tc.query, tc.hdr...)
			if tc.status == 0 {
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				defer c.Close()
				subscribe(t, c, "*")
				return
			}
			if err == nil {
				c.Close()
				t.Fatalf("dial: upgraded, want status %d", tc.status)
			}
			if res == nil || res.StatusCode != tc.status {
				t.Fatalf("dial: got %v, want status %d", res, tc.status)
			}
		})
	}
}

func TestLiveClose(t *testing.T) {
	e := newEnv(t)
	c := e.mustDial()
	subscribe(t, c, "*")
	if got := e.api.LiveClients(); got != 1 {
		t.Errorf("live clients: got %d, want 1", got)
	}
	e.api.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := c.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Errorf("after Close: got %v, want close 1001", err)
	}
	testkit.CheckFor(t, 5*time.Second, func() error {
		if e.api.LiveClients() != 0 {
			return errNotYet
		}
		return nil
	})
}
