package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestMoneyInBrowser drives money.js in headless Chromium: a payment is
// voided from the panel (the reason typed into the prompt), a tip is taken
// through the payment form, and after the closing time the phone is listed
// as unclaimed and the shift left open is flagged.
func TestMoneyInBrowser(t *testing.T) {
	logs := &browserLog{}
	clock := testkit.NewClock(time.Date(2026, 7, 4, 20, 0, 0, 0, time.UTC))
	m := startMain(t, t.TempDir(), func(m *Main) {
		m.Clock = clock.Now
		m.Config.Money.ClosesAt, m.Config.Money.TimeZone, m.Config.Money.UnclaimedEvery = "02:00", "UTC", 20*time.Millisecond
	})
	base := "http://" + m.HTTPURL
	ctx := newBrowser(t, 40*time.Second, logs)
	chromedp.ListenTarget(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			go func() { _ = chromedp.Run(ctx, page.HandleJavaScriptDialog(true).WithPromptText("typed 3.00 for 5.00")) }()
		}
	})
	if code := api(t, m, "POST", "/api/shifts", `{"floatCents":10000}`, nil); code != http.StatusCreated {
		t.Fatalf("open shift: %d", code)
	}
	var s moneySession
	if code := api(t, m, "POST", "/api/sessions", `{"chargerId":"c1234"}`, &s); code != http.StatusCreated {
		t.Fatalf("check in: %d", code)
	}
	if code := api(t, m, "POST", "/api/sessions/"+s.ID+"/payments", `{"amountCents":300,"method":"cash"}`, &s); code != http.StatusCreated {
		t.Fatalf("pay: %d", code)
	}
	const panel = `#panel[data-charger="c1234"]`
	exists := func(sel string) string { return fmt.Sprintf(`String(!!document.querySelector(%q))`, sel) }
	openPanel(t, ctx, logs, base, "c1234")
	voidBtn := fmt.Sprintf(`%s [data-payment=%q] button[data-money="void"]`, panel, s.Payments[0].ID)
	waitPage(t, ctx, logs, 5*time.Second, "payment listed with Void", exists(voidBtn), "true")
	browse(t, ctx, logs, "void", chromedp.Click(voidBtn, chromedp.ByQuery))
	waitPage(t, ctx, logs, 10*time.Second, "payment shown voided", exists(fmt.Sprintf(`%s [data-payment=%q].voided`, panel, s.Payments[0].ID)), "true")
	var got moneySession
	api(t, m, "GET", "/api/sessions/"+s.ID, "", &got)
	if got.VoidedCents != 300 || got.PaidCents != 0 {
		t.Fatalf("after the void in the browser: %+v", got)
	}
	// 7.00 for the 5.00 balance, the rest a tip.
	waitPage(t, ctx, logs, 5*time.Second, "amount prefilled with the balance", fmt.Sprintf(`document.querySelector(%q).value`, panel+` [data-field="amount"]`), "5.00")
	browse(t, ctx, logs, "tip", chromedp.SetValue(panel+` [data-field="amount"]`, "7.00", chromedp.ByQuery),
		chromedp.Click(panel+` [data-field="tip"]`, chromedp.ByQuery),
		chromedp.Click(panel+` [data-action="pay-cash"]`, chromedp.ByQuery))
	checkFor(t, 10*time.Second, func() bool {
		api(t, m, "GET", "/api/sessions/"+s.ID, "", &got)
		return got.PaidCents == 500 && got.TipCents == 200
	})
	// Past closing: listed as unclaimed, the open shift flagged.
	clock.Advance(6*time.Hour + time.Minute)
	browse(t, ctx, logs, "open the unclaimed box", chromedp.Click(`#unclaimed-box summary`, chromedp.ByQuery))
	waitPage(t, ctx, logs, 25*time.Second, "unclaimed phone listed", exists(fmt.Sprintf(`#unclaimed tr[data-session=%q]`, s.ID)), "true")
	waitPage(t, ctx, logs, 25*time.Second, "shift open past closing", `String(!document.querySelector('#shift-alert').hidden)`, "true")
}
