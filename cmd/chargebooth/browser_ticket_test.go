package main

import (
	"bytes"
	"fmt"
	"image/png"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// sessionToken reads a session's customer token from its opening event
// (staff see it in the timeline; the session JSON never carries it).
func sessionToken(tb testing.TB, base, id string) string {
	tb.Helper()
	var d struct {
		Timeline []struct {
			Type string `json:"type"`
			Data struct {
				Token string `json:"token"`
			} `json:"data"`
		} `json:"timeline"`
	}
	mustAPI(tb, base, "GET", "/api/sessions/"+id, "", http.StatusOK, &d)
	for _, e := range d.Timeline {
		if e.Type == "session.opened" && e.Data.Token != "" {
			return e.Data.Token
		}
	}
	tb.Fatalf("session %s: no token in its opening event", id)
	return ""
}

// decodeQR decodes the one QR code in a PNG.
func decodeQR(tb testing.TB, pngBytes []byte) string {
	tb.Helper()
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		tb.Fatalf("screenshot: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		tb.Fatalf("bitmap: %v", err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		tb.Fatalf("decode the ticket's QR code: %v", err)
	}
	return res.GetText()
}

// otherClaimCode is a valid claim code that is not code.
func otherClaimCode(code string) string {
	if code[0] == 'A' {
		return "B" + code[1:]
	}
	return "A" + code[1:]
}

// TestTicketFlowInBrowser is issue 17's first must-show: check a phone in
// with a widget and a label, print its ticket, decode the ticket's QR
// code, follow the customer page while the phone charges, refuse a wrong
// claim code at hand-back, hand back with the right one, and see the
// customer page say collected.
func TestTicketFlowInBrowser(t *testing.T) {
	logs := &browserLog{}
	m := startMain(t, t.TempDir(), func(m *Main) { m.Config.Tickets.BoothName = "Stage B phones" })
	base := "http://" + m.HTTPURL
	ctx := newBrowser(t, 60*time.Second, logs)
	logConsoleOnFailure(t, logs)
	const panel = `#panel[data-charger="c1234"]`
	q := func(sel string) string { return fmt.Sprintf("document.querySelector(%q)", panel+" "+sel) }

	// Check in from the dashboard: the widget scanned (typed, then Enter
	// from the label field) and a label.
	openPanel(t, ctx, logs, base, "c1234")
	waitPage(t, ctx, logs, 5*time.Second, "check-in form", fmt.Sprintf(`String(!%s.hidden)`, q(`[data-ref="closed"]`)), "true")
	browse(t, ctx, logs, "check in",
		chromedp.SendKeys(panel+` [data-field="checkin-widget"]`, "wABCD", chromedp.ByQuery),
		chromedp.SendKeys(panel+` [data-field="label"]`, "Anna, green case\r", chromedp.ByQuery))
	s := openSession(t, base, "c1234")
	if s.WidgetID != "wABCD" || s.Label != "Anna, green case" || len(s.ClaimCode) != 6 {
		t.Fatalf("checked in: got widget %q label %q claim code %q, want wABCD, the label, 6 characters", s.WidgetID, s.Label, s.ClaimCode)
	}
	token := sessionToken(t, base, s.ID)
	link := base + "/c/" + token
	waitPage(t, ctx, logs, 5*time.Second, "claim code in the panel", q(`[data-ref="claimCode"]`)+".dataset.code", s.ClaimCode)

	// Search: the claim code typed as printed (any case, a space) and
	// Enter opens the session's panel; the label filters the board.
	browse(t, ctx, logs, "close the panel", chromedp.KeyEvent(kb.Escape))
	waitPage(t, ctx, logs, 5*time.Second, "panel closed", `String(document.querySelector('#panel').hidden)`, "true")
	browse(t, ctx, logs, "search by label", chromedp.SendKeys(`#search`, "anna", chromedp.ByQuery))
	waitPage(t, ctx, logs, 5*time.Second, "label matches the tile",
		`String([...document.querySelectorAll('#tiles .tile')].filter((t) => !t.hidden && t.offsetParent !== null).map((t) => t.dataset.charger).join())`, "c1234")
	browse(t, ctx, logs, "search by claim code",
		chromedp.Evaluate(`document.querySelector('#search').value = ''`, nil),
		chromedp.SendKeys(`#search`, strings.ToLower(s.ClaimCode[:3])+" "+s.ClaimCode[3:]+"\r", chromedp.ByQuery))
	waitPage(t, ctx, logs, 5*time.Second, "claim code opens the panel", `document.querySelector('#panel').hidden ? '' : document.querySelector('#panel').dataset.charger`, "c1234")

	// The dashboard's "Print ticket" shows the ticket in a dialog.
	browse(t, ctx, logs, "print ticket", chromedp.Click(panel+` [data-ticket-action="print"]`, chromedp.ByQuery))
	waitPage(t, ctx, logs, 5*time.Second, "ticket in the print dialog",
		`(() => { const d = document.querySelector('#ticket-frame').contentDocument; const c = d && d.querySelector('[data-claim-code]'); return c ? c.dataset.claimCode : ''; })()`, s.ClaimCode)
	browse(t, ctx, logs, "close the dialog", chromedp.Click(`#ticket-dialog [data-ticket-action="close"]`, chromedp.ByQuery))

	// The ticket page itself, in its own tab with the staff token.
	if code, _ := boothReqNoAuth(t, base+"/tickets/"+s.ID); code != http.StatusUnauthorized {
		t.Errorf("ticket without the staff token: got %d, want 401", code)
	}
	tctx, tcancel := chromedp.NewContext(ctx)
	defer tcancel()
	var shot []byte
	var codeText, linkText, booth string
	browse(t, tctx, logs, "open the ticket",
		network.Enable(),
		network.SetExtraHTTPHeaders(network.Headers{"Authorization": "Bearer " + testToken}),
		chromedp.EmulateViewport(302, 800), // 80 mm at 96 dpi
		chromedp.Navigate(base+"/tickets/"+s.ID),
		chromedp.WaitVisible(`svg.qr`, chromedp.ByQuery),
		chromedp.Text(`[data-claim-code]`, &codeText, chromedp.ByQuery),
		chromedp.Text(`[data-customer-link]`, &linkText, chromedp.ByQuery),
		chromedp.Text(`h1`, &booth, chromedp.ByQuery),
		chromedp.Screenshot(`svg.qr`, &shot, chromedp.ByQuery))
	if got := strings.ReplaceAll(codeText, " ", ""); got != s.ClaimCode {
		t.Errorf("ticket's claim code: got %q, want %q", codeText, s.ClaimCode)
	}
	if booth != "Stage B phones" {
		t.Errorf("ticket's booth name: got %q, want Stage B phones", booth)
	}
	if linkText != link {
		t.Errorf("ticket's printed link: got %q, want %q", linkText, link)
	}
	if got := decodeQR(t, shot); got != link {
		t.Fatalf("ticket's QR code: got %q, want %q", got, link)
	}
	t.Logf("ticket QR decodes to the customer link (%d bytes of screenshot)", len(shot))

	// The customer page, in a second tab, from the link the QR code holds.
	cctx, ccancel := chromedp.NewContext(ctx)
	defer ccancel()
	browse(t, cctx, logs, "open the customer page", chromedp.EmulateViewport(390, 844), chromedp.Navigate(link))
	led := `document.querySelector('#led').dataset.status`
	headline := `document.querySelector('#headline').textContent`
	waitPage(t, cctx, logs, 10*time.Second, "customer page before a reading", headline, "Waiting for the charger")
	browse(t, cctx, logs, "mark the page", chromedp.Evaluate(`window.sameDocument = 'yes'`, nil))

	c := dialCharger(t, m, "c1234")
	sendSoCAcked(t, c, "t-50", "50")
	waitPage(t, cctx, logs, 10*time.Second, "customer LED at 50", led, "charging")
	sendSoCAcked(t, c, "t-85", "85")
	waitPage(t, cctx, logs, 10*time.Second, "customer LED at 85", led, "charging80")
	waitPage(t, cctx, logs, 5*time.Second, "yellow at 85", `getComputedStyle(document.querySelector('#led')).backgroundColor`, "rgb(255, 212, 59)")
	waitPage(t, cctx, logs, 5*time.Second, "charge bar at 85", `document.querySelector('#bar').getAttribute('aria-valuenow')`, "85")
	sendSoCAcked(t, c, "t-100", "100")
	waitPage(t, cctx, logs, 10*time.Second, "customer LED at 100", led, "charged")
	waitPage(t, cctx, logs, 5*time.Second, "green at 100", `getComputedStyle(document.querySelector('#led')).backgroundColor`, "rgb(61, 220, 132)")
	waitPage(t, cctx, logs, 5*time.Second, "ready for pick-up", headline, "Ready for pick-up")
	waitPage(t, cctx, logs, 5*time.Second, "amount due shown", `document.querySelector('#due').textContent`, "EUR 5.00")
	waitPage(t, cctx, logs, 1*time.Second, "no reload", `String(window.sameDocument)`, "yes")

	mustAPI(t, base, "POST", "/api/sessions/"+s.ID+"/payments", `{"amountCents":500,"method":"cash"}`, http.StatusCreated, nil)

	// A wrong claim code is refused at hand-back, in the dashboard and by
	// the API, and nothing changes.
	wrong := otherClaimCode(s.ClaimCode)
	browse(t, ctx, logs, "hand back with a wrong code",
		chromedp.SendKeys(panel+` [data-field="claim"]`, wrong, chromedp.ByQuery),
		chromedp.Click(panel+` [data-action="handback"]`, chromedp.ByQuery))
	waitPage(t, ctx, logs, 5*time.Second, "mismatch shown", fmt.Sprintf(`String(%s.textContent.includes('do not hand this phone over'))`, q(`[data-error]`)), "true")
	waitPage(t, ctx, logs, 5*time.Second, "claim field marked", q(`[data-field="claim"]`)+`.getAttribute('aria-invalid')`, "true")
	code, b := boothReq(t, base, "POST", "/api/sessions/"+s.ID+"/handback", fmt.Sprintf(`{"claimCode":%q}`, wrong), nil)
	if code != http.StatusConflict || errorCode(b) != "claim_mismatch" {
		t.Errorf("API hand-back with a wrong code: got %d %s, want 409 claim_mismatch", code, b)
	}
	if got := getSession(t, base, s.ID); got.State != "open" {
		t.Fatalf("after a refused claim: got state %q, want open", got.State)
	}

	// The right one closes the session; the customer page says collected.
	browse(t, ctx, logs, "hand back with the right code",
		chromedp.Evaluate(q(`[data-field="claim"]`)+`.value = ''`, nil),
		chromedp.SendKeys(panel+` [data-field="claim"]`, strings.ToLower(s.ClaimCode[:3])+" "+s.ClaimCode[3:]+"\r", chromedp.ByQuery))
	checkFor(t, 10*time.Second, func() bool { return getSession(t, base, s.ID).State == "closed" })
	closed := getSession(t, base, s.ID)
	if closed.VerifiedBy != "claim_code" {
		t.Errorf("handed back: verifiedBy %q, want claim_code", closed.VerifiedBy)
	}
	loc, err := m.Config.Tickets.location()
	if err != nil {
		t.Fatal(err)
	}
	want := "Collected at " + closed.ClosedAt.In(loc).Format("15:04")
	waitPage(t, cctx, logs, 10*time.Second, "customer page after hand-back", headline, want)
	waitPage(t, cctx, logs, 1*time.Second, "nothing else shown", `String(getComputedStyle(document.querySelector('#open')).display === 'none' && getComputedStyle(document.querySelector('#led')).display === 'none')`, "true")

	// The next phone lost its ticket and widget: a lead overrides with a
	// reason, from the panel.
	var next boothSession
	mustAPI(t, base, "POST", "/api/sessions", `{"chargerId":"c1234"}`, http.StatusCreated, &next)
	mustAPI(t, base, "POST", "/api/sessions/"+next.ID+"/payments", `{"amountCents":500,"method":"card"}`, http.StatusCreated, nil)
	waitPage(t, ctx, logs, 10*time.Second, "panel shows the next session", q(`[data-ref="claimCode"]`)+".dataset.code", next.ClaimCode)
	browse(t, ctx, logs, "override",
		chromedp.Click(panel+` details.override summary`, chromedp.ByQuery),
		chromedp.SendKeys(panel+` [data-field="override"]`, "ID checked: passport", chromedp.ByQuery),
		chromedp.Click(panel+` [data-ticket-action="override"]`, chromedp.ByQuery))
	checkFor(t, 10*time.Second, func() bool { return getSession(t, base, next.ID).State == "closed" })
	if got := getSession(t, base, next.ID); got.VerifiedBy != "override" {
		t.Errorf("override from the panel: verifiedBy %q, want override", got.VerifiedBy)
	}
}

// boothReqNoAuth GETs url without any token.
func boothReqNoAuth(tb testing.TB, url string) (int, string) {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// TestCustomerPageSurvivesRestart keeps a customer page open while the
// server stops and starts again on the same address: the page reconnects
// by itself and shows the next reading without a reload.
func TestCustomerPageSurvivesRestart(t *testing.T) {
	logs := &browserLog{}
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	pin := func(m *Main) { m.Config.HTTPAddr = addr }
	m := startMain(t, dir, pin)
	base := "http://" + m.HTTPURL
	var s boothSession
	mustAPI(t, base, "POST", "/api/sessions", `{"chargerId":"c1234"}`, http.StatusCreated, &s)
	link := base + "/c/" + sessionToken(t, base, s.ID)
	sendSoCAcked(t, dialCharger(t, m, "c1234"), "r-50", "50")

	ctx := newBrowser(t, 60*time.Second, logs)
	if err := chromedp.Run(ctx, chromedp.Navigate(link), chromedp.Evaluate(`window.sameDocument = 'yes'`, nil)); err != nil {
		t.Fatalf("open the customer page: %v", err)
	}
	led := `document.querySelector('#led').dataset.status`
	waitPage(t, ctx, logs, 10*time.Second, "LED at 50", led, "charging")

	// The page asks once for notifications: a tap on its button asks, and
	// the button does not come back on a reload (here in a second tab).
	nctx, ncancel := chromedp.NewContext(ctx)
	defer ncancel()
	if err := chromedp.Run(nctx, chromedp.Navigate(link)); err != nil {
		t.Fatal(err)
	}
	waitPage(t, nctx, logs, 5*time.Second, "notification permission", `Notification.permission`, "default")
	waitPage(t, nctx, logs, 5*time.Second, "notify button offered", `String(!document.querySelector('#notify').hidden)`, "true")
	if err := chromedp.Run(nctx, chromedp.Click(`#notify`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	waitPage(t, nctx, logs, 5*time.Second, "notify button gone", `String(document.querySelector('#notify').hidden)`, "true")
	if err := chromedp.Run(nctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitPage(t, nctx, logs, 5*time.Second, "page after reload", led, "charging")
	waitPage(t, nctx, logs, 1*time.Second, "asked once only", `String(document.querySelector('#notify').hidden)`, "true")
	ncancel()

	m.Close()
	waitPage(t, ctx, logs, 10*time.Second, "page notices the server is gone", `String(!document.querySelector('#conn').hidden)`, "true")
	m = startMain(t, dir, pin)
	sendSoCAcked(t, dialCharger(t, m, "c1234"), "r-85", "85")
	waitPage(t, ctx, logs, 20*time.Second, "LED at 85 after the restart", led, "charging80")
	waitPage(t, ctx, logs, 5*time.Second, "reconnected", `String(document.querySelector('#conn').hidden)`, "true")
	waitPage(t, ctx, logs, 1*time.Second, "no reload", `String(window.sameDocument)`, "yes")
}
