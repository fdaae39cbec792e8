package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/gorilla/websocket"
)

const testToken = "test-token"

// startMain runs a server in-process on random ports in dir.
func startMain(tb testing.TB, dir string, mods ...func(*Main)) *Main {
	tb.Helper()
	out := &testkit.SyncBuffer{}
	m := &Main{Stdout: out, Stderr: out}
	if err := m.ParseFlags([]string{"--data-dir", dir, "--nats-listen", "127.0.0.1:-1",
		"--charger-addr", "127.0.0.1:0", "--widget-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--staff-token", testToken, "--log-level", "warn", "--instance", "t",
		"--devices", "open", "--new-chargers-per-minute", "0", "--max-unenrolled", "0"}); err != nil {
		tb.Fatalf("flags: %v", err)
	}
	for _, f := range mods {
		f(m)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.Run(ctx); err != nil {
		m.Close()
		tb.Fatalf("run: %v\n%s", err, out.String())
	}
	tb.Cleanup(func() { m.Close() })
	waitReady(tb, "http://"+m.HTTPURL)
	return m
}

func waitReady(tb testing.TB, base string) {
	tb.Helper()
	checkFor(tb, 20*time.Second, func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// checkFor polls cond until it holds or the timeout passes (testkit.CheckFor
// for a condition without a reason of its own).
func checkFor(tb testing.TB, timeout time.Duration, cond func() bool) {
	tb.Helper()
	testkit.CheckFor(tb, timeout, func() error {
		if !cond() {
			return errors.New("condition not met")
		}
		return nil
	})
}

// wsClient is a test WebSocket client with a reader goroutine.
type wsClient struct {
	tb     testing.TB
	ws     *websocket.Conn
	frames chan []byte
	closed chan error
}

func dial(tb testing.TB, url string, header http.Header) *wsClient {
	tb.Helper()
	return dialWith(tb, websocket.DefaultDialer, url, header)
}

// dialWith dials url with d and header and reads the socket's frames
// into a wsClient; it fails the test when the upgrade is refused.
func dialWith(tb testing.TB, d *websocket.Dialer, url string, header http.Header) *wsClient {
	tb.Helper()
	ws, resp, err := d.Dial(url, header)
	if err != nil {
		tb.Fatalf("dial %s: %v (%s)", url, err, respText(resp))
	}
	c := &wsClient{tb: tb, ws: ws, frames: make(chan []byte, 10000), closed: make(chan error, 1)}
	go func() {
		for {
			_, b, err := ws.ReadMessage()
			if err != nil {
				c.closed <- err
				close(c.frames)
				return
			}
			c.frames <- b
		}
	}()
	tb.Cleanup(func() { ws.Close() })
	return c
}

// respText is a refused upgrade's status and body.
func respText(resp *http.Response) string {
	if resp == nil {
		return "no answer"
	}
	b, _ := io.ReadAll(resp.Body)
	return fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(string(b)))
}

// lastSeq is the last sequence number in m's event stream.
func lastSeq(tb testing.TB, m *Main) uint64 {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	seq, err := m.Store.LastSequence(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	return seq
}

func dialCharger(tb testing.TB, m *Main, id string) *wsClient {
	tb.Helper()
	return dial(tb, "ws://"+m.ChargerURL+"/chargers/"+id, nil)
}

func dialWidget(tb testing.TB, m *Main, id string) *wsClient {
	tb.Helper()
	return dial(tb, "ws://"+m.WidgetURL+"/widgets/"+id, nil)
}

func (c *wsClient) send(s string) {
	c.tb.Helper()
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		c.tb.Fatalf("send: %v", err)
	}
}

// next returns the next frame, failing after timeout.
func (c *wsClient) next(timeout time.Duration) []byte {
	c.tb.Helper()
	select {
	case b, ok := <-c.frames:
		if !ok {
			c.tb.Fatalf("socket closed while waiting for a frame")
		}
		return b
	case <-time.After(timeout):
		c.tb.Fatalf("no frame within %s", timeout)
	}
	return nil
}

// none asserts that no frame arrives within d.
func (c *wsClient) none(d time.Duration) {
	c.tb.Helper()
	select {
	case b, ok := <-c.frames:
		if ok {
			c.tb.Fatalf("unexpected frame %s", b)
		}
	case <-time.After(d):
	}
}

type frame struct {
	Event string `json:"event"`
	Data  struct {
		Status  string `json:"status"`
		Code    string `json:"code"`
		Message string `json:"message"`
		ID      string `json:"id"`
	} `json:"data"`
}

func (c *wsClient) nextFrame(timeout time.Duration) frame {
	c.tb.Helper()
	b := c.next(timeout)
	var f frame
	if err := json.Unmarshal(b, &f); err != nil {
		c.tb.Fatalf("frame %s: %v", b, err)
	}
	return f
}

func (c *wsClient) status(timeout time.Duration) string {
	c.tb.Helper()
	f := c.nextFrame(timeout)
	if f.Event != "StateOfCharge" {
		c.tb.Fatalf("got event %q, want StateOfCharge", f.Event)
	}
	return f.Data.Status
}

// api calls the staff API with the test token and decodes the answer.
func api(tb testing.TB, m *Main, method, path, body string, out any) int {
	tb.Helper()
	return apiAt(tb, "http://"+m.HTTPURL, method, path, body, out)
}

func apiAt(tb testing.TB, base, method, path, body string, out any) int {
	tb.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, base+path, r)
	req.Header.Set("Authorization", "Bearer "+testToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			tb.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return resp.StatusCode
}

// claimBody is a hand-back body for session id with its claim code (the
// check --handback-verify makes), plus extra JSON members ("" for none).
func claimBody(tb testing.TB, m *Main, id, extra string) string {
	tb.Helper()
	return claimBodyAt(tb, "http://"+m.HTTPURL, id, extra)
}

// claimBodyAt is claimBody for the server at base.
func claimBodyAt(tb testing.TB, base, id, extra string) string {
	tb.Helper()
	var s struct {
		ClaimCode string `json:"claimCode"`
	}
	if code := apiAt(tb, base, "GET", "/api/sessions/"+id, "", &s); code != http.StatusOK || s.ClaimCode == "" {
		tb.Fatalf("session %s: HTTP %d, claim code %q", id, code, s.ClaimCode)
	}
	if extra != "" {
		extra = "," + extra
	}
	return fmt.Sprintf(`{"claimCode":%q%s}`, s.ClaimCode, extra)
}
