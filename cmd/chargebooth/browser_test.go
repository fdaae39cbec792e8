package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// browserLog collects what the page complains about: console errors,
// uncaught exceptions and browser log entries of level error.
type browserLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *browserLog) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *browserLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.lines) == 0 {
		return "(none)"
	}
	return strings.Join(l.lines, "\n")
}

func (l *browserLog) listen(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.APITypeError && ev.Type != runtime.APITypeWarning {
			return
		}
		var args []string
		for _, a := range ev.Args {
			if a.Value != nil {
				args = append(args, string(a.Value))
			} else {
				args = append(args, a.Description)
			}
		}
		l.add("console.%s: %s", ev.Type, strings.Join(args, " "))
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg += " " + d.Exception.Description
		}
		l.add("exception at %s:%d: %s", d.URL, d.LineNumber, msg)
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.LevelError {
			l.add("log %s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		}
	}
}

// needChromium fails, never skips, when the browser is missing: the
// dashboard is only proven in a real browser.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err == nil {
		return
	}
	if os.Geteuid() == 0 {
		t.Fatalf("%s is missing; make test installs it (as root), or run: sudo apt-get install -y chromium", chromiumPath)
	}
	t.Fatalf("%s is missing; install it with: sudo apt-get install -y chromium", chromiumPath)
}

// newBrowser starts headless Chromium with a fresh profile and returns a
// tab's context, bounded by timeout. extra adds browser options.
func newBrowser(t *testing.T, timeout time.Duration, logs *browserLog, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	needChromium(t)
	profile := browserProfile(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		// Chromium may take more than chromedp's 20 s to print its DevTools
		// address while other test packages build and run on two cores;
		// chromedp also races with itself when that wait times out.
		chromedp.WSURLReadTimeout(90 * time.Second),
	}
	opts = append(opts, extra...)
	// Starting Chromium is bounded by WSURLReadTimeout; the test's timeout
	// counts from when the browser is up.
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(acancel)
	// chromedp's own errors (events this cdproto does not know) go to the
	// collected log, not to the test's output.
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithErrorf(func(string, ...any) {}))
	t.Cleanup(bcancel)
	chromedp.ListenTarget(bctx, logs.listen)
	if err := chromedp.Run(bctx); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	ctx, cancel := context.WithTimeout(bctx, timeout)
	t.Cleanup(cancel)
	return ctx
}

// browserProfile makes a profile directory for one browser, removed after
// the browser's cleanups (registered later, so run first). Chromium's
// helper processes may still write into it for a moment after the browser
// has gone, which fails t.TempDir's cleanup ("directory not empty"); the
// removal is tried again for a few seconds, and a directory that still
// stays is logged rather than failing the test.
func browserProfile(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "chargebooth-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := testkit.Poll(5*time.Second, 100*time.Millisecond, func() error { return os.RemoveAll(dir) }); err != nil {
			t.Logf("browser profile %s left behind: %v", dir, err)
		}
	})
	return dir
}

// logConsoleOnFailure logs the browser's console when the test has
// failed, as it ends.
func logConsoleOnFailure(t *testing.T, logs *browserLog) {
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("browser console:\n%s", logs)
		}
	})
}

// pageString evaluates a JavaScript expression that yields a string.
func pageString(ctx context.Context, expr string) (string, error) {
	var s string
	err := chromedp.Run(ctx, chromedp.Evaluate(expr, &s))
	return s, err
}

// waitPage polls a JavaScript expression until it yields want.
func waitPage(t *testing.T, ctx context.Context, logs *browserLog, timeout time.Duration, what, expr, want string) {
	t.Helper()
	var got string
	var err error
	if testkit.Poll(timeout, 5*testkit.Every, func() error {
		if got, err = pageString(ctx, expr); err == nil && got == want {
			return nil
		}
		return errors.New("not yet")
	}) == nil {
		return
	}
	t.Fatalf("%s: got %q (%v), want %q within %s\nbrowser console:\n%s", what, got, err, want, timeout, logs)
}

func TestDashboardInBrowser(t *testing.T) {
	logs := &browserLog{}
	m := startMain(t, t.TempDir())
	base := "http://" + m.HTTPURL
	ctx := newBrowser(t, 30*time.Second, logs)
	logConsoleOnFailure(t, logs)

	const tile = `#tiles [data-charger="c1234"]`
	const panel = `#panel[data-charger="c1234"]`
	q := func(root, sel string) string { return fmt.Sprintf("document.querySelector(%q)", root+" "+sel) }
	led := fmt.Sprintf(`(%s || {dataset: {}}).dataset.status || ''`, q(tile, "[data-led]"))

	if err := chromedp.Run(ctx, chromedp.Navigate(base+"/")); err != nil {
		t.Fatalf("open the dashboard: %v\nbrowser console:\n%s", err, logs)
	}
	signInWithToken(t, ctx, logs, testToken)
	// c1234 is paired with wABCD out of the box, so its tile is there
	// before any reading.
	waitPage(t, ctx, logs, 10*time.Second, "tile c1234", fmt.Sprintf(`String(!!document.querySelector(%q))`, tile), "true")
	waitPage(t, ctx, logs, 10*time.Second, "live feed", `document.querySelector('#conn').dataset.state`, "live")
	if got, _ := pageString(ctx, led); got != "none" {
		t.Errorf("LED before any reading: got %q, want none", got)
	}

	c := dialCharger(t, m, "c1234")
	sendSoCAcked(t, c, "b-85", "85")
	waitPage(t, ctx, logs, 10*time.Second, "LED after a reading of 85", led, "charging80")
	s := openSession(t, base, "c1234")

	// Choosing the tile opens its panel, where the amount is prefilled with
	// the balance.
	if err := chromedp.Run(ctx, chromedp.Click(tile, chromedp.ByQuery)); err != nil {
		t.Fatalf("click tile: %v\nbrowser console:\n%s", err, logs)
	}
	waitPage(t, ctx, logs, 5*time.Second, "amount prefilled", q(panel, `[data-field="amount"]`)+".value", "5.00")
	if err := chromedp.Run(ctx, chromedp.Click(panel+` [data-action="pay-cash"]`, chromedp.ByQuery)); err != nil {
		t.Fatalf("click pay-cash: %v\nbrowser console:\n%s", err, logs)
	}
	checkFor(t, 10*time.Second, func() bool {
		got := getSession(t, base, s.ID)
		return got.AmountDueCents == 500 && got.PaidCents == got.AmountDueCents
	})
	// The panel is free again once the payment's answer came back.
	waitPage(t, ctx, logs, 5*time.Second, "panel idle after paying",
		fmt.Sprintf(`String(document.querySelector(%q).hasAttribute('aria-busy'))`, panel), "false")
	waitPage(t, ctx, logs, 5*time.Second, "balance shown as paid", q(panel, "[data-balance]")+".dataset.cents", "0")
	waitPage(t, ctx, logs, 5*time.Second, "tile shows paid", q(tile, "[data-balance]")+".dataset.cents", "0")
	waitPage(t, ctx, logs, 5*time.Second, "timeline shows the payment",
		fmt.Sprintf(`String(!!document.querySelector(%q))`, `#timeline [data-type="session.payment_recorded"]`), "true")

	if err := chromedp.Run(ctx,
		chromedp.SendKeys(panel+` [data-field="claim"]`, s.ClaimCode, chromedp.ByQuery),
		chromedp.Click(panel+` [data-action="handback"]`, chromedp.ByQuery)); err != nil {
		t.Fatalf("click handback: %v\nbrowser console:\n%s", err, logs)
	}
	checkFor(t, 10*time.Second, func() bool { return getSession(t, base, s.ID).State == "closed" })
	got := getSession(t, base, s.ID)
	if got.Waived || got.PaidCents != 500 || got.BalanceCents != 0 {
		t.Errorf("handed back: got paid %d balance %d waived %v, want 500 0 false", got.PaidCents, got.BalanceCents, got.Waived)
	}
	payments := 0
	for _, e := range got.Timeline {
		if e.Type == "session.payment_recorded" {
			payments++
		}
	}
	if payments != 1 {
		t.Errorf("got %d payment events, want 1", payments)
	}
	waitPage(t, ctx, logs, 10*time.Second, "LED after hand-back", led, "none")

	var ch struct {
		Status    string `json:"status"`
		SessionID string `json:"sessionId"`
	}
	mustAPI(t, base, "GET", "/api/chargers/c1234", "", http.StatusOK, &ch)
	if ch.Status != "" || ch.SessionID != "" {
		t.Errorf("API after hand-back: got status %q session %q, want none", ch.Status, ch.SessionID)
	}

	// The free charger's panel checks the next phone in, with the widget
	// handed out scanned into it.
	waitPage(t, ctx, logs, 5*time.Second, "check-in form on the free charger",
		fmt.Sprintf(`String(!%s.hidden)`, q(panel, `[data-ref="closed"]`)), "true")
	if err := chromedp.Run(ctx,
		chromedp.SendKeys(panel+` [data-field="checkin-widget"]`, "wNEW1", chromedp.ByQuery),
		chromedp.Click(panel+` [data-action="checkin"]`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("check in: %v\nbrowser console:\n%s", err, logs)
	}
	var after struct {
		WidgetID  string `json:"widgetId"`
		SessionID string `json:"sessionId"`
	}
	checkFor(t, 10*time.Second, func() bool {
		mustAPI(t, base, "GET", "/api/chargers/c1234", "", http.StatusOK, &after)
		return after.WidgetID == "wNEW1" && after.SessionID != ""
	})
	waitPage(t, ctx, logs, 5*time.Second, "panel shows the new session's actions",
		fmt.Sprintf(`String(!%s.hidden)`, q(panel, `[data-ref="open"]`)), "true")
	waitPage(t, ctx, logs, 5*time.Second, "tile shows the new session", q(tile, "")+".dataset.bucket", "owing")
}
