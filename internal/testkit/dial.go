package testkit

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// DialRefused dials a WebSocket at url with header h and returns the
// refusal's HTTP status and trimmed plain-text body. It fails the test
// when the upgrade succeeds, when no HTTP answer comes, or when the
// answer is not text/plain.
func DialRefused(tb testing.TB, url string, h http.Header) (status int, body string) {
	tb.Helper()
	return DialRefusedWith(tb, websocket.DefaultDialer, url, h)
}

// DialRefusedWith is DialRefused with dialer d (for TLS settings, say).
func DialRefusedWith(tb testing.TB, d *websocket.Dialer, url string, h http.Header) (status int, body string) {
	tb.Helper()
	ws, resp, err := d.Dial(url, h)
	if err == nil {
		ws.Close()
		tb.Fatalf("dial %s: upgraded, want a refusal", url)
	}
	if resp == nil {
		tb.Fatalf("dial %s: %v (no HTTP answer)", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		tb.Fatalf("dial %s: refused with %d %q as %q, want text/plain", url, resp.StatusCode, b, ct)
	}
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// RefusesOrigins checks that a WebSocket upgrade at url sent from each of
// origins is refused with 403 and a plain-text reason containing reason.
func RefusesOrigins(tb testing.TB, url, reason string, origins ...string) {
	tb.Helper()
	for _, origin := range origins {
		status, body := DialRefused(tb, url, http.Header{"Origin": {origin}})
		if status != http.StatusForbidden || !strings.Contains(body, reason) {
			tb.Errorf("origin %s: got %d %q, want 403 and %q", origin, status, body, reason)
		}
	}
}

// DialAccepted checks that a WebSocket upgrade at url with header h
// succeeds, and closes the socket.
func DialAccepted(tb testing.TB, url string, h http.Header) {
	tb.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial(url, h)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		tb.Fatalf("dial %s with header %v: %v (HTTP %d)", url, h, err, status)
	}
	ws.Close()
}
