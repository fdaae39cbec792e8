package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// urlLog records every URL the page requests (documents, scripts, fetches
// and WebSocket upgrades) and the headers it sends with them.
type urlLog struct {
	mu       sync.Mutex
	requests []netRequest
	sockets  []string
}

// netRequest is one request the page sent.
type netRequest struct {
	Method  string
	URL     string
	Headers map[string]string
}

func (n *urlLog) listen(ev any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		h := map[string]string{}
		for k, v := range ev.Request.Headers {
			h[k] = fmt.Sprint(v)
		}
		n.requests = append(n.requests, netRequest{Method: ev.Request.Method, URL: ev.Request.URL + ev.Request.URLFragment, Headers: h})
	case *network.EventWebSocketCreated:
		n.sockets = append(n.sockets, ev.URL)
	case *network.EventWebSocketWillSendHandshakeRequest:
		h := map[string]string{}
		for k, v := range ev.Request.Headers {
			h[k] = fmt.Sprint(v)
		}
		n.requests = append(n.requests, netRequest{Method: "WEBSOCKET", URL: "(handshake)", Headers: h})
	}
}

func (n *urlLog) snapshot() ([]netRequest, []string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]netRequest(nil), n.requests...), append([]string(nil), n.sockets...)
}

// addStaff creates a member with the bootstrap token and returns its id
// and personal token. The member comes back as the body itself or under
// "staff"; the token beside it either way.
func addStaff(t *testing.T, base, name, role, pin string) (string, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "role": role, "pin": pin})
	type member struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Role string `json:"role"`
	}
	var out struct {
		member
		Staff *member `json:"staff"`
		Token string  `json:"token"`
	}
	mustAPI(t, base, "POST", "/api/staff", string(body), http.StatusCreated, &out)
	m := out.member
	if out.Staff != nil {
		m = *out.Staff
	}
	if m.ID == "" || out.Token == "" || m.Name != name || m.Role != role {
		t.Fatalf("POST /api/staff %s: got %+v, want an id, a token, name %q and role %q", name, out, name, role)
	}
	return m.ID, out.Token
}

// pageAwait evaluates a JavaScript expression yielding a promise of a
// string and returns the string.
func pageAwait(ctx context.Context, expr string) (string, error) {
	var s string
	err := chromedp.Run(ctx, chromedp.Evaluate(expr, &s, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
	return s, err
}

// visible is a JavaScript expression: whether sel matches an element that
// is rendered (false when absent or hidden).
func visible(sel string) string {
	return fmt.Sprintf(`String(!!document.querySelector(%q) && document.querySelector(%q).checkVisibility())`, sel, sel)
}

// browse runs actions, failing the test with what for a message.
func browse(t *testing.T, ctx context.Context, logs *browserLog, what string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatalf("%s: %v\nbrowser console:\n%s", what, err, logs)
	}
}

// openPanel opens the dashboard at base, signs in with the bootstrap
// token, waits for charger id's tile and opens its panel.
func openPanel(t *testing.T, ctx context.Context, logs *browserLog, base, id string) {
	t.Helper()
	tile := fmt.Sprintf(`#tiles [data-charger=%q]`, id)
	browse(t, ctx, logs, "open the dashboard", chromedp.Navigate(base+"/"))
	signInWithToken(t, ctx, logs, testToken)
	waitPage(t, ctx, logs, 10*time.Second, "tile "+id, fmt.Sprintf(`String(!!document.querySelector(%q))`, tile), "true")
	browse(t, ctx, logs, "open the panel", chromedp.Click(tile, chromedp.ByQuery))
}

// clearField focuses the input sel and empties it, as a person selecting
// its text would (a focused field is not prefilled under their fingers).
func clearField(sel string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.focus(); el.value = ''; })()`, sel), nil)
}

// signInWithPIN fills the sign-in form with name and pin and sends it.
func signInWithPIN(t *testing.T, ctx context.Context, logs *browserLog, name, pin string) {
	t.Helper()
	waitPage(t, ctx, logs, 10*time.Second, "sign-in form shown", visible("#login-name"), "true")
	browse(t, ctx, logs, "sign in as "+name,
		clearField("#login-name"),
		clearField("#login-pin"),
		chromedp.SendKeys("#login-name", name, chromedp.ByQuery),
		chromedp.SendKeys("#login-pin", pin, chromedp.ByQuery),
		chromedp.Click("#login-submit", chromedp.ByQuery),
	)
}

// signInWithToken signs in with a personal (or the bootstrap) token and
// waits for the board.
func signInWithToken(t *testing.T, ctx context.Context, logs *browserLog, token string) {
	t.Helper()
	waitPage(t, ctx, logs, 10*time.Second, "sign-in form shown", visible("#login-form"), "true")
	if mode, _ := pageString(ctx, `document.querySelector('#login-form').dataset.mode`); mode != "token" {
		browse(t, ctx, logs, "switch to the token", chromedp.Click("#login-mode", chromedp.ByQuery))
	}
	browse(t, ctx, logs, "sign in with a token",
		clearField("#login-token"),
		chromedp.SendKeys("#login-token", token, chromedp.ByQuery),
		chromedp.Click("#login-submit", chromedp.ByQuery),
	)
	waitPage(t, ctx, logs, 10*time.Second, "board after signing in", `String(!document.querySelector('#board').hidden && document.querySelector('#login').hidden)`, "true")
}

// signedInAs waits until the header names the member and the live feed runs.
func signedInAs(t *testing.T, ctx context.Context, logs *browserLog, name, role string) {
	t.Helper()
	waitPage(t, ctx, logs, 10*time.Second, "signed-in name", `document.querySelector('#who').hidden ? '' : document.querySelector('#who-name').textContent`, name)
	waitPage(t, ctx, logs, 5*time.Second, "signed-in role", `document.querySelector('#who-role').textContent`, role)
	waitPage(t, ctx, logs, 5*time.Second, "sign-in form gone", `String(document.querySelector('#login').hidden)`, "true")
	waitPage(t, ctx, logs, 10*time.Second, "live feed", `document.querySelector('#conn').dataset.state`, "live")
}

// shownForRoles lists the [data-role] controls the page renders, as
// "role:what" in document order.
const shownForRoles = `[...document.querySelectorAll('[data-role]')].filter((e) => e.checkVisibility())
  .map((e) => e.dataset.role + ':' + (e.dataset.action || e.dataset.ticketAction || e.dataset.money || e.dataset.shiftAction || e.dataset.ref || e.id || e.tagName.toLowerCase())).join(' ')`

// auditEvent is a timeline event with the member who caused it.
type auditEvent struct {
	Type  string `json:"type"`
	Actor *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"actor"`
}

func TestDashboardStaffRolesInBrowser(t *testing.T) {
	logs := &browserLog{}
	m := startMain(t, t.TempDir())
	base := "http://" + m.HTTPURL
	samID, samToken := addStaff(t, base, "Sam", "staff", "1234")
	leeID, leeToken := addStaff(t, base, "Lee", "lead", "5678")
	secrets := map[string]string{"bootstrap token": testToken, "Sam's token": samToken, "Lee's token": leeToken}

	// A reading opens a session on c1234; it owes the flat fee.
	c := dialCharger(t, m, "c1234")
	sendSoCAcked(t, c, "r-40", "40")
	s := openSession(t, base, "c1234")

	ctx := newBrowser(t, 90*time.Second, logs)
	net := &urlLog{}
	chromedp.ListenTarget(ctx, net.listen)
	logConsoleOnFailure(t, logs)

	// An older dashboard kept the token in storage: the page deletes it on
	// load and never uses it.
	browse(t, ctx, logs, "open the dashboard", chromedp.Navigate(base+"/"))
	browse(t, ctx, logs, "leave an old token in storage",
		chromedp.Evaluate(fmt.Sprintf(`localStorage.setItem('chargebooth.token', %q); sessionStorage.setItem('chargebooth.token', %q)`, testToken, testToken), nil),
		chromedp.Reload())
	waitPage(t, ctx, logs, 10*time.Second, "sign-in form, not the board, with an old stored token",
		`String(!document.querySelector('#login').hidden && document.querySelector('#board').hidden)`, "true")
	waitPage(t, ctx, logs, 5*time.Second, "old stored token deleted",
		`String(localStorage.getItem('chargebooth.token')) + ' ' + String(sessionStorage.getItem('chargebooth.token'))`, "null null")

	// A wrong PIN says so, and lets Sam try again.
	signInWithPIN(t, ctx, logs, "Sam", "0000")
	waitPage(t, ctx, logs, 10*time.Second, "wrong PIN refused", visible("#login-error"), "true")
	if msg, _ := pageString(ctx, `document.querySelector('#login-error').textContent`); !strings.Contains(msg, "do not match") {
		t.Errorf("wrong PIN message: got %q, want it to say the name and PIN do not match", msg)
	}

	// Sam (staff) signs in with name and PIN.
	signInWithPIN(t, ctx, logs, "Sam", "1234")
	signedInAs(t, ctx, logs, "Sam", "staff")
	if got, _ := pageString(ctx, `document.querySelector('#login-pin').value + document.querySelector('#login-name').value`); got != "" {
		t.Errorf("sign-in fields after signing in: got %q, want them empty", got)
	}

	const tile = `#tiles [data-charger="c1234"]`
	const panel = `#panel[data-charger="c1234"]`
	waitPage(t, ctx, logs, 10*time.Second, "tile c1234", fmt.Sprintf(`String(!!document.querySelector(%q))`, tile), "true")
	browse(t, ctx, logs, "open the panel", chromedp.Click(tile, chromedp.ByQuery))
	waitPage(t, ctx, logs, 5*time.Second, "amount prefilled", fmt.Sprintf(`document.querySelector(%q).value`, panel+` [data-field="amount"]`), "5.00")

	// Staff see the counter's controls and nothing of a lead's, ops' or
	// admin's: no notice form even with the notices open.
	browse(t, ctx, logs, "open the notices", chromedp.Evaluate(`document.querySelector('details:has(#notices-title)').open = true`, nil))
	waitPage(t, ctx, logs, 5*time.Second, "notices listed to staff", visible("#notices"), "true")
	waitPage(t, ctx, logs, 5*time.Second, "controls shown to staff", shownForRoles,
		"staff:print staff:open staff:pay-cash staff:pay-card staff:handback")

	// Sam types €2, but the session ends under the page (here: signed out
	// from another tab). The server closes the live feed, and the sign-in
	// form comes back over the board; the panel and what Sam typed stay.
	browse(t, ctx, logs, "type €2",
		clearField(panel+` [data-field="amount"]`),
		chromedp.SendKeys(panel+` [data-field="amount"]`, "2.00", chromedp.ByQuery))
	if got, err := pageAwait(ctx, `fetch('/api/logout', {method: 'POST'}).then((r) => String(r.status))`); err != nil || got != "204" {
		t.Fatalf("POST /api/logout from the page: got %s (%v), want 204", got, err)
	}
	waitPage(t, ctx, logs, 15*time.Second, "sign-in form over the kept board",
		`String(!document.querySelector('#login').hidden && !document.querySelector('#board').hidden && !document.querySelector('#login-reason').hidden)`, "true")
	if st := getSession(t, base, s.ID); st.PaidCents != 0 {
		t.Fatalf("paid after the session ended: got %d, want 0", st.PaidCents)
	}
	if got, _ := pageString(ctx, `document.querySelector('#login-name').value + ' ' + document.activeElement.id`); got != "Sam login-pin" {
		t.Errorf("sign-in form after the session ended: got name and focus %q, want Sam's name and the PIN field", got)
	}
	signInWithPIN(t, ctx, logs, "Sam", "1234")
	signedInAs(t, ctx, logs, "Sam", "staff")
	if got, _ := pageString(ctx, fmt.Sprintf(`String(!document.querySelector('#panel').hidden) + ' ' + document.querySelector(%q).value`, panel+` [data-field="amount"]`)); got != "true 2.00" {
		t.Errorf("panel after signing in again: got %q, want it open with 2.00 typed", got)
	}

	// Sam takes the payment of €2.
	browse(t, ctx, logs, "take €2 cash", chromedp.Click(panel+` [data-action="pay-cash"]`, chromedp.ByQuery))
	checkFor(t, 10*time.Second, func() bool { return getSession(t, base, s.ID).PaidCents == 200 })
	waitPage(t, ctx, logs, 5*time.Second, "payment confirmed", fmt.Sprintf(`String(/^Recorded .*2\.00 cash\.$/.test(document.querySelector(%q).textContent))`, panel+` [data-info]`), "true")
	waitPage(t, ctx, logs, 5*time.Second, "balance shown", fmt.Sprintf(`document.querySelector(%q).dataset.cents`, panel+` [data-balance]`), "300")

	// Handing back with €3 owed is refused; Sam is sent to a lead, and the
	// waive control stays hidden.
	// The claim: the widget handed back, scanned.
	browse(t, ctx, logs, "hand back",
		chromedp.SendKeys(panel+` [data-field="claim"]`, "wABCD", chromedp.ByQuery),
		chromedp.Click(panel+` [data-action="handback"]`, chromedp.ByQuery))
	waitPage(t, ctx, logs, 10*time.Second, "hand-back refused while owed",
		fmt.Sprintf(`(document.querySelector(%q).textContent.includes('ask a lead')) ? 'lead' : document.querySelector(%q).textContent`, panel+` [data-error]`, panel+` [data-error]`), "lead")
	for _, sel := range []string{panel + ` [data-ref="waiveRow"]`, panel + ` [data-field="waive"]`, panel + ` [data-action="handback-waive"]`} {
		if got, _ := pageString(ctx, visible(sel)); got != "false" {
			t.Errorf("%s visible to staff: got %s, want false", sel, got)
		}
	}
	if got, _ := pageString(ctx, shownForRoles); got != "staff:print staff:open staff:pay-cash staff:pay-card staff:handback" {
		t.Errorf("controls shown to staff after the refusal: got %q", got)
	}

	// The API refuses the waive too, even asked directly from the page.
	got, err := pageAwait(ctx, fmt.Sprintf(`fetch('/api/sessions/%s/handback', {method: 'POST', headers: {'Content-Type': 'application/json'},
		body: JSON.stringify({waiveReason: 'friend of the band', widgetId: 'wABCD'})}).then(async (r) => JSON.stringify({status: r.status, body: await r.json()}))`, s.ID))
	if err != nil {
		t.Fatalf("fetch the waive: %v", err)
	}
	var refused struct {
		Status int `json:"status"`
		Body   struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
				Role    string `json:"role"`
			} `json:"error"`
		} `json:"body"`
	}
	if err := json.Unmarshal([]byte(got), &refused); err != nil {
		t.Fatalf("waive answer %s: %v", got, err)
	}
	if e := refused.Body.Error; refused.Status != http.StatusForbidden || e.Code != "forbidden" || e.Role != "lead" || e.Message == "" {
		t.Errorf("waive as staff: got %s, want 403 forbidden naming the lead role", got)
	}
	if st := getSession(t, base, s.ID); st.State != "open" || st.Waived {
		t.Fatalf("after the refused waive: got state %s waived %v, want open, not waived", st.State, st.Waived)
	}

	// Sam signs out: the board goes, the cookie no longer opens the API.
	browse(t, ctx, logs, "sign out", chromedp.Click("#sign-out", chromedp.ByQuery))
	waitPage(t, ctx, logs, 10*time.Second, "signed out", `String(!document.querySelector('#login').hidden && document.querySelector('#board').hidden && document.querySelector('#who').hidden)`, "true")
	if got, err := pageAwait(ctx, `fetch('/api/me').then((r) => String(r.status))`); err != nil || got != "401" {
		t.Errorf("GET /api/me after signing out: got %s (%v), want 401", got, err)
	}

	// Lee (lead) signs in and waives the rest.
	signInWithPIN(t, ctx, logs, "Lee", "5678")
	signedInAs(t, ctx, logs, "Lee", "lead")
	waitPage(t, ctx, logs, 10*time.Second, "tile c1234", fmt.Sprintf(`String(!!document.querySelector(%q))`, tile), "true")
	browse(t, ctx, logs, "open the panel", chromedp.Click(tile, chromedp.ByQuery))
	waitPage(t, ctx, logs, 5*time.Second, "balance shown", fmt.Sprintf(`document.querySelector(%q).dataset.cents`, panel+` [data-balance]`), "300")
	browse(t, ctx, logs, "hand back",
		chromedp.SendKeys(panel+` [data-field="claim"]`, "wABCD", chromedp.ByQuery),
		chromedp.Click(panel+` [data-action="handback"]`, chromedp.ByQuery))
	waitPage(t, ctx, logs, 10*time.Second, "waive offered to a lead", visible(panel+` [data-action="handback-waive"]`), "true")
	shown, _ := pageString(ctx, shownForRoles)
	for _, want := range []string{"lead:waiveRow", "lead:handback-waive", "lead:void", "lead:refund", "lead:details"} {
		if !strings.Contains(" "+shown+" ", " "+want+" ") {
			t.Errorf("controls shown to a lead: got %q, want %s among them", shown, want)
		}
	}
	browse(t, ctx, logs, "waive",
		chromedp.SendKeys(panel+` [data-field="waive"]`, "phone died, customer in a hurry", chromedp.ByQuery),
		chromedp.Click(panel+` [data-action="handback-waive"]`, chromedp.ByQuery))
	checkFor(t, 10*time.Second, func() bool { return getSession(t, base, s.ID).State == "closed" })
	if st := getSession(t, base, s.ID); !st.Waived || st.PaidCents != 200 {
		t.Errorf("after the waive: got waived %v paid %d, want waived, 200 paid", st.Waived, st.PaidCents)
	}
	waitPage(t, ctx, logs, 5*time.Second, "waive confirmed", fmt.Sprintf(`document.querySelector(%q).textContent`, panel+` [data-info]`), "Handed back, balance waived.")

	// The timeline says who did what.
	var detail struct {
		Timeline []auditEvent `json:"timeline"`
	}
	mustAPI(t, base, "GET", "/api/sessions/"+s.ID, "", http.StatusOK, &detail)
	actors := map[string]string{}
	for _, e := range detail.Timeline {
		if e.Actor != nil {
			actors[e.Type] = e.Actor.ID + " " + e.Actor.Name
		}
	}
	if got, want := actors["session.payment_recorded"], samID+" Sam"; got != want {
		t.Errorf("actor of the payment: got %q, want %q", got, want)
	}
	if got, want := actors["session.handed_back"], leeID+" Lee"; got != want {
		t.Errorf("actor of the hand-back: got %q, want %q", got, want)
	}
	waitPage(t, ctx, logs, 10*time.Second, "timeline names Lee",
		`String([...document.querySelectorAll('#timeline [data-type="session.handed_back"] .detail')].some((e) => e.textContent.includes('by Lee')))`, "true")

	// Lee, a lead, sees who did what: Sam's €2, her own waive.
	browse(t, ctx, logs, "open who did what", chromedp.Evaluate(`document.querySelector('#audit-box').open = true`, nil))
	waitPage(t, ctx, logs, 10*time.Second, "takings by member", fmt.Sprintf(`(document.querySelector('#audit-totals [data-staff=%q]') || {dataset: {}}).dataset.cents || ''`, samID), "200")
	waitPage(t, ctx, logs, 5*time.Second, "audit rows", fmt.Sprintf(
		`String(!!document.querySelector('#audit-list [data-type="session.payment_recorded"][data-actor=%q]') && !!document.querySelector('#audit-list [data-type="session.handed_back"][data-actor=%q]'))`, samID, leeID), "true")

	// The session cookie: HttpOnly, SameSite=Strict, out of the scripts' reach.
	var cookies []*network.Cookie
	browse(t, ctx, logs, "read the cookies", chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		cookies, err = network.GetCookies().WithURLs([]string{base + "/"}).Do(ctx)
		return err
	}))
	var session *network.Cookie
	for _, ck := range cookies {
		if ck.Name == "cb_session" {
			session = ck
		}
	}
	switch {
	case session == nil:
		t.Errorf("cookies: got %d, none named cb_session", len(cookies))
	default:
		if !session.HTTPOnly {
			t.Errorf("cb_session: HttpOnly false, want true")
		}
		if got, want := session.SameSite, network.CookieSameSiteStrict; got != want {
			t.Errorf("cb_session: SameSite %q, want %q", got, want)
		}
		for name, secret := range secrets {
			if strings.Contains(session.Value, secret) {
				t.Errorf("cb_session holds %s", name)
			}
		}
	}
	if got, _ := pageString(ctx, `document.cookie`); strings.Contains(got, "cb_session") {
		t.Errorf("document.cookie: got %q, want no cb_session (HttpOnly)", got)
	}

	// No token anywhere the page can show or leak it.
	storage, _ := pageString(ctx, `JSON.stringify({local: {...localStorage}, session: {...sessionStorage}})`)
	if storage != `{"local":{},"session":{}}` {
		t.Errorf("web storage: got %s, want both empty", storage)
	}
	html, _ := pageString(ctx, `document.documentElement.outerHTML + [...document.querySelectorAll('input')].map((i) => i.value).join('\n') + location.href`)
	reqs, sockets := net.snapshot()
	for name, secret := range secrets {
		if strings.Contains(html, secret) {
			t.Errorf("the page (HTML, field values or address) holds %s", name)
		}
		for _, r := range reqs {
			if strings.Contains(r.URL, secret) {
				t.Errorf("%s requested with %s in its URL", r.URL, name)
			}
			for k, v := range r.Headers {
				if strings.Contains(v, secret) {
					t.Errorf("%s %s: header %s holds %s", r.Method, r.URL, k, name)
				}
			}
		}
		for _, u := range sockets {
			if strings.Contains(u, secret) {
				t.Errorf("WebSocket %s holds %s", u, name)
			}
		}
	}
	for _, r := range reqs {
		for k := range r.Headers {
			if strings.EqualFold(k, "Authorization") {
				t.Errorf("%s %s: sent an Authorization header, want the cookie only", r.Method, r.URL)
			}
		}
		if strings.Contains(r.URL, "token=") {
			t.Errorf("requested %s: a token parameter in the URL", r.URL)
		}
	}
	live := 0
	for _, u := range sockets {
		if strings.HasSuffix(u, "/api/live") {
			live++
		} else {
			t.Errorf("WebSocket %s: want exactly ws://…/api/live", u)
		}
	}
	if live < 2 {
		t.Errorf("live feed sockets: got %d, want one for Sam and one for Lee (%v)", live, sockets)
	}
	if len(reqs) < 10 {
		t.Errorf("requests recorded: got %d, want the page's many (is the network log listening?)", len(reqs))
	}

	// Guessing is throttled: after a burst of wrong tokens (quick to check,
	// unlike a PIN) the form says so, stays shut while the server asks,
	// then opens again.
	browse(t, ctx, logs, "sign out", chromedp.Click("#sign-out", chromedp.ByQuery))
	waitPage(t, ctx, logs, 10*time.Second, "signed out", visible("#login-name"), "true")
	// Lee types the right PIN, and sends it the moment the server starts
	// refusing (before its bucket refills).
	browse(t, ctx, logs, "type Lee's PIN",
		chromedp.SendKeys("#login-name", "Lee", chromedp.ByQuery),
		chromedp.SendKeys("#login-pin", "5678", chromedp.ByQuery))
	if got, err := pageAwait(ctx, `(async () => {
		const codes = [];
		for (let i = 0; i < 40 && codes[codes.length - 1] !== 429; i++) {
			const r = await fetch('/api/login', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({token: 'guess-' + i})});
			codes.push(r.status);
		}
		document.querySelector('#login-submit').click();
		return codes.join(' ');
	})()`); err != nil || !strings.HasSuffix(got, "429") {
		t.Fatalf("wrong tokens: got %q (%v), want the last 429", got, err)
	}
	waitPage(t, ctx, logs, 10*time.Second, "throttled sign-in said so",
		`String(document.querySelector('#login-error').textContent.startsWith('Too many sign-in attempts') && document.querySelector('#login-submit').disabled)`, "true")
	waitPage(t, ctx, logs, 30*time.Second, "form open again after the wait",
		`String(!document.querySelector('#login-submit').disabled)`, "true")
	signInWithPIN(t, ctx, logs, "Lee", "5678")
	signedInAs(t, ctx, logs, "Lee", "lead")
}

// sessionCookie reads the browser's cb_session cookie for base (nil when
// there is none) through the DevTools protocol, which sees HttpOnly ones.
func sessionCookie(t *testing.T, ctx context.Context, logs *browserLog, base string) *network.Cookie {
	t.Helper()
	var cookies []*network.Cookie
	browse(t, ctx, logs, "read the cookies", chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		cookies, err = network.GetCookies().WithURLs([]string{base + "/"}).Do(ctx)
		return err
	}))
	for _, ck := range cookies {
		if ck.Name == "cb_session" {
			return ck
		}
	}
	return nil
}

// TestDashboardAdminOverTLSInBrowser: over HTTPS the session cookie is
// Secure too; the bootstrap admin signs in with the token, adds an ops
// member in the page (whose token is shown once), the member sees the ops
// controls and not a lead's; made staff while signed in, her next pairing
// shows the 403's message and the page hides the ops controls; disabled
// while signed in, she is out at once
// and her PIN no longer works; the admin enables and disables her from the
// staff list.
func TestDashboardAdminOverTLSInBrowser(t *testing.T) {
	logs := &browserLog{}
	ca := testkit.NewCA(t, "site CA")
	certFile, keyFile := ca.WritePair(t, t.TempDir(), 1)
	m := startMain(t, t.TempDir(), withTLS(certFile, keyFile))
	base := "https://" + m.tls.HTTPSURL
	ctx := newBrowser(t, 60*time.Second, logs, chromedp.Flag("ignore-certificate-errors", true))
	logConsoleOnFailure(t, logs)

	browse(t, ctx, logs, "open the dashboard", chromedp.Navigate(base+"/"))
	signInWithToken(t, ctx, logs, testToken)
	signedInAs(t, ctx, logs, "admin", "admin")
	switch ck := sessionCookie(t, ctx, logs, base); {
	case ck == nil:
		t.Fatal("no cb_session cookie after signing in over https")
	case !ck.Secure || !ck.HTTPOnly || ck.SameSite != network.CookieSameSiteStrict:
		t.Errorf("cb_session over https: got Secure %v HttpOnly %v SameSite %q, want Secure, HttpOnly, Strict", ck.Secure, ck.HTTPOnly, ck.SameSite)
	}

	// The admin adds Ola (ops) with a PIN.
	waitPage(t, ctx, logs, 5*time.Second, "staff box shown to the admin", visible("#staff-box"), "true")
	browse(t, ctx, logs, "add Ola",
		chromedp.Evaluate(`document.querySelector('#staff-box').open = true`, nil),
		chromedp.SendKeys("#staff-name", "Ola", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#staff-role').value = 'ops'`, nil),
		chromedp.SendKeys("#staff-pin", "4321", chromedp.ByQuery),
		chromedp.Click(`#staff-form button[type="submit"]`, chromedp.ByQuery))
	waitPage(t, ctx, logs, 10*time.Second, "Ola's token shown once", visible("#staff-token-box"), "true")
	olaToken, _ := pageString(ctx, `document.querySelector('#staff-token').textContent`)
	var list struct {
		Staff []struct {
			ID      string `json:"id"`
			Name    string `json:"name"`
			Role    string `json:"role"`
			Enabled bool   `json:"enabled"`
		} `json:"staff"`
	}
	mustAPI(t, "http://"+m.HTTPURL, "GET", "/api/staff", "", http.StatusOK, &list) // the test's client does not trust the CA
	olaID := ""
	for _, s := range list.Staff {
		if s.Name == "Ola" && s.Role == "ops" && s.Enabled {
			olaID = s.ID
		}
	}
	if olaID == "" || len(olaToken) < 16 {
		t.Fatalf("after adding Ola: staff %+v, token shown %d characters; want Ola enabled as ops and her token", list.Staff, len(olaToken))
	}
	olaRow := fmt.Sprintf(`#staff-list li[data-staff=%q]`, olaID)
	waitPage(t, ctx, logs, 5*time.Second, "Ola listed", visible(olaRow), "true")
	browse(t, ctx, logs, "hide the token", chromedp.Click("#staff-token-hide", chromedp.ByQuery))
	if got, _ := pageString(ctx, `document.querySelector('#staff-token').textContent`); got != "" {
		t.Errorf("token after Hide: got %d characters, want none left in the page", len(got))
	}

	// Ola signs in: the pairing and remote controls are hers, the waive is not.
	browse(t, ctx, logs, "sign out", chromedp.Click("#sign-out", chromedp.ByQuery))
	signInWithPIN(t, ctx, logs, "Ola", "4321")
	signedInAs(t, ctx, logs, "Ola", "ops")
	const tile = `#tiles [data-charger="c1234"]`
	waitPage(t, ctx, logs, 10*time.Second, "tile c1234", fmt.Sprintf(`String(!!document.querySelector(%q))`, tile), "true")
	browse(t, ctx, logs, "open the panel", chromedp.Click(tile, chromedp.ByQuery))
	browse(t, ctx, logs, "open the notices", chromedp.Evaluate(`document.querySelector('details:has(#notices-title)').open = true`, nil))
	waitPage(t, ctx, logs, 5*time.Second, "controls shown to ops on a free charger", shownForRoles,
		"ops:notice-form ops:button staff:closed staff:checkin ops:pairing ops:pair ops:unpair")
	if got, _ := pageString(ctx, shownForRoles); strings.Contains(got, "lead:") || strings.Contains(got, "admin:") {
		t.Errorf("controls shown to ops: got %q, want none of a lead's or an admin's", got)
	}

	// An admin makes Ola staff while her panel is open: her next pairing
	// is refused with the server's message, and the page re-reads her role
	// and hides what she may no longer do.
	mustAPI(t, "http://"+m.HTTPURL, "PATCH", "/api/staff/"+olaID, `{"role":"staff"}`, http.StatusOK, nil)
	panel := `#panel[data-charger="c1234"]`
	browse(t, ctx, logs, "pair as demoted Ola",
		chromedp.SendKeys(panel+` [data-field="widget"]`, "wOLA1", chromedp.ByQuery),
		chromedp.Click(panel+` [data-action="pair"]`, chromedp.ByQuery))
	waitPage(t, ctx, logs, 10*time.Second, "403 shown with its message",
		fmt.Sprintf(`document.querySelector(%q).textContent`, panel+` [data-error]`), "this needs the ops role; you are staff.")
	waitPage(t, ctx, logs, 10*time.Second, "role re-read", `document.querySelector('#who-role').textContent`, "staff")
	waitPage(t, ctx, logs, 5*time.Second, "ops controls hidden once she is staff", visible(panel+` [data-ref="pairing"]`), "false")

	// Disabled (here from a script) while her board is open, Ola is out
	// at once: the server closes her live feed, the sign-in form comes over
	// the board, and her PIN no longer works.
	mustAPI(t, "http://"+m.HTTPURL, "DELETE", "/api/staff/"+olaID, "", http.StatusOK, nil)
	waitPage(t, ctx, logs, 15*time.Second, "sign-in form over Ola's board",
		`String(!document.querySelector('#login').hidden && !document.querySelector('#login-reason').hidden && document.querySelector('#who').hidden)`, "true")
	signInWithPIN(t, ctx, logs, "Ola", "4321")
	waitPage(t, ctx, logs, 10*time.Second, "disabled member refused",
		`document.querySelector('#login-error').hidden ? '' : document.querySelector('#login-error').textContent`,
		"That name and PIN do not match an active staff member.")

	// The admin takes over the screen: Ola's panel is gone, her row says
	// disabled; Enable and Disable work from the list.
	signInWithToken(t, ctx, logs, testToken)
	signedInAs(t, ctx, logs, "admin", "admin")
	if got, _ := pageString(ctx, `String(document.querySelector('#panel').hidden)`); got != "true" {
		t.Errorf("panel after another member signed in: got hidden %s, want closed", got)
	}
	enabled := func() bool {
		t.Helper()
		list.Staff = nil
		mustAPI(t, "http://"+m.HTTPURL, "GET", "/api/staff", "", http.StatusOK, &list)
		for _, s := range list.Staff {
			if s.ID == olaID {
				return s.Enabled
			}
		}
		t.Fatalf("Ola (%s) not in the staff list", olaID)
		return false
	}
	rowState := fmt.Sprintf(`(() => { const li = document.querySelector(%q); return li ? (li.classList.contains('disabled') ? 'disabled' : 'enabled') + ' ' + document.querySelector('#staff-error').textContent : 'absent'; })()`, olaRow)
	browse(t, ctx, logs, "open the staff box", chromedp.Evaluate(`document.querySelector('#staff-box').open = true`, nil))
	waitPage(t, ctx, logs, 10*time.Second, "Ola listed as disabled", rowState, "disabled ")
	browse(t, ctx, logs, "enable Ola", chromedp.Click(olaRow+` button[data-staff-action="enable"]`, chromedp.ByQuery))
	waitPage(t, ctx, logs, 10*time.Second, "Ola shown enabled", rowState, "enabled ")
	if !enabled() {
		t.Errorf("Ola after Enable: got disabled, want enabled")
	}
	browse(t, ctx, logs, "disable Ola", chromedp.Click(olaRow+` button[data-staff-action="disable"]`, chromedp.ByQuery))
	waitPage(t, ctx, logs, 10*time.Second, "Ola shown disabled", rowState, "disabled ")
	if enabled() {
		t.Errorf("Ola after Disable: got enabled, want disabled")
	}
}
