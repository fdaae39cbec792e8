package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/chromedp/chromedp"
)

// docsExample returns the browser example of docs/socketio.md, made to
// load socket.io-client from the test's page server and to dial booth.
func docsExample(t *testing.T, booth string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "socketio.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## Ten lines in a browser.*?```html\n(.*?)```").FindSubmatch(b)
	if m == nil {
		t.Fatal("docs/socketio.md has no html example under \"Ten lines in a browser\"")
	}
	ex := string(m[1])
	if n := strings.Count(strings.TrimSpace(ex), "\n") + 1; n > 10 {
		t.Errorf("the example has %d lines, want at most 10", n)
	}
	r := strings.NewReplacer("https://cdn.socket.io/4.8.1/socket.io.esm.min.js", "/socket.io.esm.min.js",
		"http://booth.local:3000", booth, "STAFF_TOKEN", testToken)
	// alert would block the page: the test reads what it was shown.
	return `<!doctype html><meta charset="utf-8"><script>window.shown = []; window.alert = (m) => shown.push(m);</script>` + r.Replace(ex)
}

// TestSocketIODocsExampleInBrowser runs the ten-line example of
// docs/socketio.md in headless Chromium, served from another origin (so
// --allowed-origins and CORS are in play): it shows an OCPP charger's
// battery and status as readings come, and its buttons start and stop the
// charger, showing the charger's answers.
func TestSocketIODocsExampleInBrowser(t *testing.T) {
	bundle := filepath.Join(sioDir, "node_modules", "socket.io-client", "dist", "socket.io.esm.min.js")
	if _, err := os.Stat(bundle); err != nil {
		t.Fatalf("socket.io-client is not installed: run `make deps-interop`")
	}
	var page string
	pages := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/socket.io.esm.min.js" {
			w.Header().Set("Content-Type", "text/javascript")
			http.ServeFile(w, r, bundle)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	}))
	defer pages.Close()
	m := startMain(t, t.TempDir(), func(m *Main) { m.Config.Origins = pages.URL })
	page = docsExample(t, "http://"+m.HTTPURL)

	oc := dialOCPP(t, m, "c1234", nil)
	oc.boot()
	logs := &browserLog{}
	ctx := newBrowser(t, 60*time.Second, logs)
	if err := chromedp.Run(ctx, chromedp.Navigate(pages.URL+"/")); err != nil {
		t.Fatal(err)
	}
	// Readings arrive until the page has subscribed and shows one.
	showsReading(t, oc, ctx, logs)

	if err := chromedp.Run(ctx, chromedp.Click("#startBtn", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	id, action, payload := oc.nextCall(10 * time.Second)
	if action != "RemoteStartTransaction" || !strings.Contains(string(payload), `"PORTAL"`) {
		t.Fatalf("got CALL %s %s, want RemoteStartTransaction for PORTAL", action, payload)
	}
	oc.reply(id, `{"status":"Accepted"}`)
	waitPage(t, ctx, logs, 10*time.Second, "start answer", `String(shown[0])`, `{"status":"Accepted"}`)

	// The charger starts the transaction the portal asked for; stop finds it.
	var conf struct {
		TransactionID int `json:"transactionId"`
	}
	oc.call("StartTransaction", `{"connectorId":1,"idTag":"PORTAL","meterStart":0,"timestamp":"`+time.Now().UTC().Format(time.RFC3339)+`"}`, &conf)
	checkFor(t, 5*time.Second, func() bool {
		c, ok := m.Board.Charger("c1234", time.Now())
		return ok && c.Session != nil && c.Session.TransactionID == conf.TransactionID
	})
	if err := chromedp.Run(ctx, chromedp.Click("#stopBtn", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	id, action, payload = oc.nextCall(10 * time.Second)
	if action != "RemoteStopTransaction" || !strings.Contains(string(payload), `"transactionId"`) {
		t.Fatalf("got CALL %s %s, want RemoteStopTransaction", action, payload)
	}
	oc.reply(id, `{"status":"Rejected"}`)
	waitPage(t, ctx, logs, 10*time.Second, "stop answer", `String(shown[1])`, `{"status":"Rejected"}`)
}

// showsReading sends readings until the page shows one: the page
// subscribes after it connected, and what came before is not its news.
func showsReading(t *testing.T, oc *ocppCharger, ctx context.Context, logs *browserLog) {
	t.Helper()
	expr := `document.getElementById("soc").textContent + " " + document.getElementById("st").textContent`
	if testkit.Poll(20*time.Second, 20*testkit.Every, func() error {
		oc.call("MeterValues", socMeterValues("55", time.Now().UTC().Format(time.RFC3339)), nil)
		if s, err := pageString(ctx, expr); err != nil || s != "55 % charging" {
			return fmt.Errorf("page shows %q (%v)", s, err)
		}
		return nil
	}) != nil {
		s, _ := pageString(ctx, expr)
		t.Fatalf("the page shows %q, want \"55 %% charging\"\nbrowser console:\n%s", s, logs)
	}
}
