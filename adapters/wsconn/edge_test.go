package wsconn_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/wsconn"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/gorilla/websocket"
)

// echoConn is a minimal protocol on the skeleton: it echoes text frames.
type echoConn struct {
	wsconn.Socket
}

func (c *echoConn) serve(context.Context) string {
	defer c.Close("")
	extend := c.ExpectPongs(time.Minute)
	for {
		_, b, err := c.WS.ReadMessage()
		if err != nil {
			return c.End(err, "peer")
		}
		extend()
		_ = c.Write(b)
	}
}

// events records what the hooks heard, in order.
type events struct {
	mu  sync.Mutex
	got []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = append(e.got, s)
}

func (e *events) has(s string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, g := range e.got {
		if g == s {
			return true
		}
	}
	return false
}

type echoEdge struct {
	edge *wsconn.Edge[*echoConn]
	url  string
	ev   *events
}

func startEcho(tb testing.TB, tweak func(*wsconn.Config[*echoConn])) *echoEdge {
	tb.Helper()
	ev := &events{}
	cfg := wsconn.Config[*echoConn]{
		Kind:      "charger",
		IDParam:   "id",
		ReadLimit: 1024,
		Open: func(_ string, ws *websocket.Conn, _ *http.Request) (*echoConn, func(context.Context) string) {
			c := &echoConn{Socket: wsconn.Socket{WS: ws}}
			return c, c.serve
		},
		OnOpen:  func(c wsconn.Conn[*echoConn], _ *http.Request) { ev.add("open " + c.ID) },
		OnClose: func(c wsconn.Conn[*echoConn], reason string) { ev.add("close " + c.ID + ": " + reason) },
		Held: func(id string, up bool) {
			if up {
				ev.add("held " + id)
			} else {
				ev.add("let go " + id)
			}
		},
	}
	if tweak != nil {
		tweak(&cfg)
	}
	e := wsconn.New(cfg)
	mux := http.NewServeMux()
	mux.Handle("GET /x/{id}", e)
	mux.Handle("GET /any", e)
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	tb.Cleanup(e.Close)
	return &echoEdge{edge: e, url: "ws" + strings.TrimPrefix(srv.URL, "http"), ev: ev}
}

func dial(tb testing.TB, url string) *websocket.Conn {
	tb.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		tb.Fatalf("dial %s: %v", url, err)
	}
	tb.Cleanup(func() { ws.Close() })
	return ws
}

// closeFrame reads until the server's close frame.
func closeFrame(tb testing.TB, ws *websocket.Conn) *websocket.CloseError {
	tb.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := ws.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			tb.Fatalf("got %v, want a close frame", err)
		}
		return ce
	}
}

func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	testkit.CheckFor(tb, 5*time.Second, func() error {
		if !cond() {
			return errors.New("waiting for " + what)
		}
		return nil
	})
}

func TestEdgeRefusesBeforeTheUpgrade(t *testing.T) {
	e := startEcho(t, func(c *wsconn.Config[*echoConn]) {
		c.Check = func(h http.Header, r *http.Request, id string) (int, string) {
			if id == "locked" {
				h.Set("WWW-Authenticate", `Basic realm="test"`)
				return http.StatusUnauthorized, "credentials missing or wrong"
			}
			return 0, ""
		}
	})
	tests := []struct {
		name, path string
		status     int
		body       string
	}{
		{"bad id", "/x/c%201", http.StatusBadRequest, "charger id may only hold A-Z a-z 0-9 . _ - (got \"c 1\")\n"},
		{"long id", "/x/" + strings.Repeat("x", 49), http.StatusBadRequest, "charger id is longer than 48 characters\n"},
		{"check", "/x/locked", http.StatusUnauthorized, "credentials missing or wrong\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, res, err := websocket.DefaultDialer.Dial(e.url+tt.path, nil)
			if err == nil || res == nil {
				t.Fatalf("dial: got %v, want a refusal", err)
			}
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.status || string(body) != tt.body {
				t.Errorf("got %d %q, want %d %q", res.StatusCode, body, tt.status, tt.body)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("content type: got %q, want plain text", ct)
			}
			if tt.status == http.StatusUnauthorized && res.Header.Get("WWW-Authenticate") == "" {
				t.Error("the check's header was not sent")
			}
		})
	}
}

func TestEdgeReplacesAnOlderSocket(t *testing.T) {
	e := startEcho(t, nil)
	first := dial(t, e.url+"/x/c1")
	waitFor(t, "the first socket held", func() bool { return e.ev.has("held c1") })
	second := dial(t, e.url+"/x/c1")
	if ce := closeFrame(t, first); ce.Code != websocket.CloseNormalClosure || ce.Text != wsconn.ReasonReplaced {
		t.Errorf("first socket: got %v, want close 1000 %q", ce, wsconn.ReasonReplaced)
	}
	waitFor(t, "the first socket closed", func() bool { return e.ev.has("close c1: " + wsconn.ReasonReplaced) })
	if e.ev.has("let go c1") {
		t.Error("the replaced socket's end let go of the id the newer one holds")
	}
	if err := second.WriteMessage(websocket.TextMessage, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	_ = second.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, b, err := second.ReadMessage(); err != nil || string(b) != "hi" {
		t.Fatalf("newer socket: got %q, %v; want the echo", b, err)
	}
	if got := e.edge.Len(); got != 1 {
		t.Errorf("live sockets: got %d, want 1", got)
	}
	_ = second.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "reboot"), time.Now().Add(time.Second))
	waitFor(t, "the id let go", func() bool { return e.ev.has("let go c1") })
	if !e.ev.has("close c1: closed by peer (1001 reboot)") {
		t.Errorf("got %v, want the peer's close frame as the reason", e.ev.got)
	}
	if _, ok := e.edge.Get("c1"); ok {
		t.Error("a closed socket is still registered")
	}
}

func TestEdgeCloseClosesAndRefuses(t *testing.T) {
	e := startEcho(t, nil)
	ws := dial(t, e.url+"/x/c1")
	waitFor(t, "open", func() bool { return e.ev.has("open c1") })
	start := time.Now()
	e.edge.Close()
	if ce := closeFrame(t, ws); ce.Text != wsconn.ReasonShutdown {
		t.Errorf("got %v, want close %q", ce, wsconn.ReasonShutdown)
	}
	if !e.ev.has("close c1: " + wsconn.ReasonShutdown) {
		t.Errorf("Close returned before the socket's OnClose: %v", e.ev.got)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %v", d)
	}
	_, res, err := websocket.DefaultDialer.Dial(e.url+"/x/c2", nil)
	if err == nil || res == nil || res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after Close: got %v %v, want 503", res, err)
	}
	if body, _ := io.ReadAll(res.Body); string(body) != wsconn.ReasonShutdown+"\n" {
		t.Errorf("got body %q, want %q", body, wsconn.ReasonShutdown)
	}
}

func TestEdgeWithoutIDsKeepsEverySocket(t *testing.T) {
	refused := make(chan int, 4)
	e := startEcho(t, func(c *wsconn.Config[*echoConn]) {
		c.IDParam = ""
		c.Refuse = func(w http.ResponseWriter, status int, reason string) {
			refused <- status
			http.Error(w, reason, status)
		}
	})
	a, b := dial(t, e.url+"/any"), dial(t, e.url+"/any")
	waitFor(t, "both open", func() bool { return e.ev.has("open 1") && e.ev.has("open 2") })
	if got := e.edge.Len(); got != 2 {
		t.Errorf("live sockets: got %d, want 2 (none replaces another)", got)
	}
	n := 0
	e.edge.Range(func(*echoConn) { n++ })
	if n != 2 {
		t.Errorf("Range: got %d sockets, want 2", n)
	}
	e.edge.Close()
	for _, ws := range []*websocket.Conn{a, b} {
		if ce := closeFrame(t, ws); ce.Text != wsconn.ReasonShutdown {
			t.Errorf("got %v, want %q", ce, wsconn.ReasonShutdown)
		}
	}
	_, _, _ = websocket.DefaultDialer.Dial(e.url+"/any", nil)
	select {
	case got := <-refused:
		if got != http.StatusServiceUnavailable {
			t.Errorf("Refuse: got %d, want 503", got)
		}
	case <-time.After(5 * time.Second):
		t.Error("Refuse was not called after Close")
	}
}

// TestEdgeReadLimitCloses1009 shows the linger: the 1009 close frame
// reaches a peer that is still sending.
func TestEdgeReadLimitCloses1009(t *testing.T) {
	e := startEcho(t, nil)
	ws := dial(t, e.url+"/x/c1")
	go func() { _ = ws.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("x", 64<<10))) }()
	if ce := closeFrame(t, ws); ce.Code != websocket.CloseMessageTooBig {
		t.Errorf("got %v, want close 1009", ce)
	}
	waitFor(t, "closed", func() bool { return e.ev.has("close c1: frame over the read limit") })
}

func TestCloseCutsALongReason(t *testing.T) {
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		wsconn.Close(ws, strings.Repeat("é", 100)) // 200 bytes
	}))
	defer srv.Close()
	ws := dial(t, "ws"+strings.TrimPrefix(srv.URL, "http"))
	ce := closeFrame(t, ws)
	if len(ce.Text) > 123 || !strings.HasPrefix(strings.Repeat("é", 100), ce.Text) || ce.Text == "" {
		t.Errorf("got reason %q (%d bytes), want the first 123 bytes or fewer, valid UTF-8", ce.Text, len(ce.Text))
	}
}
