package main

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/customer"
	"github.com/chargebooth/chargebooth/internal/testkit"
)

// customerGet GETs a customer page path and returns the status and body.
func customerGet(tb testing.TB, base, path string) (int, string) {
	tb.Helper()
	return boothReqNoAuth(tb, base+path)
}

// TestCustomerPageIsolation is issue 17's third must-show: a customer
// link shows its own session and nothing of another. Every other open
// session's id and a few guessed tokens are 404 with a body that names
// nothing, the address is refused 429 once it keeps missing, and the
// session's own view holds only the fields written for the customer.
func TestCustomerPageIsolation(t *testing.T) {
	m := startMain(t, t.TempDir())
	base := "http://" + m.HTTPURL
	type opened struct {
		s     boothSession
		token string
	}
	var all []opened
	for i := 1; i <= 6; i++ {
		body := fmt.Sprintf(`{"chargerId":"iso%d","widgetId":"wiso%d","label":"Secret Name %d"}`, i, i, i)
		var s boothSession
		mustAPI(t, base, "POST", "/api/sessions", body, http.StatusCreated, &s)
		all = append(all, opened{s: s, token: sessionToken(t, base, s.ID)})
	}
	mine, others := all[0], all[1:]
	// What must never reach the customer of mine: anything naming another
	// phone, and of its own session what only staff see.
	var secrets []string
	for _, o := range others {
		secrets = append(secrets, o.s.ID, o.s.ClaimCode, o.s.Label, o.s.ChargerID, o.s.WidgetID, o.token)
	}
	own := []string{mine.s.ID, mine.s.ClaimCode, mine.s.Label, mine.s.ChargerID, mine.s.WidgetID}
	leaks := func(body string, words []string) []string {
		var out []string
		for _, w := range words {
			if w != "" && strings.Contains(body, w) {
				out = append(out, w)
			}
		}
		return out
	}

	// The session's own view: exactly the customer fields.
	code, body := customerGet(t, base, "/c/"+mine.token+"/state")
	if code != http.StatusOK {
		t.Fatalf("own state: got %d %s", code, body)
	}
	var view map[string]any
	if err := json.Unmarshal([]byte(body), &view); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range view {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	allowed := map[string]bool{"phase": true, "status": true, "soc": true, "openedAt": true, "chargingSeconds": true,
		"amountDueCents": true, "balanceCents": true, "currency": true, "collectedAt": true, "collectedLocal": true}
	for _, k := range keys {
		if !allowed[k] {
			t.Errorf("own view has field %q; it holds only %v", k, keys)
		}
	}
	if l := leaks(body, append(append([]string{}, secrets...), own...)); len(l) > 0 {
		t.Errorf("own view %s names %q", body, l)
	}

	// Every other open session's id, on every customer route, then a few
	// guessed tokens: all 404, naming nothing. The miss budget is
	// customer.DefaultMisses, so the address is refused 429 before the
	// list ends.
	var tries []string
	for _, o := range others {
		tries = append(tries, "/c/"+o.s.ID, "/c/"+o.s.ID+"/state", "/c/"+o.s.ID+"/events")
	}
	for i := 0; i < 3; i++ {
		raw := make([]byte, 16)
		_, _ = rand.Read(raw)
		tries = append(tries, "/c/"+base64.RawURLEncoding.EncodeToString(raw)+"/state")
	}
	tries = append(tries, "/c/"+strings.ToUpper(mine.token)+"/state", "/c/"+mine.token[:21]+"/state", "/c/../api/sessions")
	misses, limited := 0, 0
	for _, p := range tries {
		code, body := customerGet(t, base, p)
		switch code {
		case http.StatusNotFound:
			misses++
			if errorCode([]byte(body)) != "not_found" {
				t.Errorf("GET %s: got body %s, want a not_found error", p, body)
			}
		case http.StatusTooManyRequests:
			limited++
		default:
			if p != "/c/../api/sessions" { // the client cleans the path: a staff route, which needs the token
				t.Errorf("GET %s: got %d %s, want 404 or 429", p, code, body)
			}
		}
		if l := leaks(body, append(append([]string{}, secrets...), own...)); len(l) > 0 {
			t.Errorf("GET %s: body %s names %q", p, body, l)
		}
	}
	if misses != customer.DefaultMisses || limited == 0 {
		t.Errorf("got %d misses answered 404 and %d refused 429, want %d then 429s", misses, limited, customer.DefaultMisses)
	}
	t.Logf("%d tries: %d answered 404, then %d refused 429", len(tries), misses, limited)
	// Once limited, even a valid link from that address waits.
	if code, _ := customerGet(t, base, "/c/"+mine.token+"/state"); code != http.StatusTooManyRequests {
		t.Errorf("own link from a limited address: got %d, want 429", code)
	}
}

// TestCustomerStreamOwnSessionOnly follows one customer's event stream
// while another phone charges: only its own readings arrive.
func TestCustomerStreamOwnSessionOnly(t *testing.T) {
	m := startMain(t, t.TempDir())
	base := "http://" + m.HTTPURL
	var a, b boothSession
	mustAPI(t, base, "POST", "/api/sessions", `{"chargerId":"sa"}`, http.StatusCreated, &a)
	mustAPI(t, base, "POST", "/api/sessions", `{"chargerId":"sb"}`, http.StatusCreated, &b)
	resp, err := http.Get(base + "/c/" + sessionToken(t, base, a.ID) + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("events: got %d %s", resp.StatusCode, ct)
	}
	views := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "data: ") {
				views <- strings.TrimPrefix(line, "data: ")
			}
		}
		close(views)
	}()
	next := func() map[string]any {
		t.Helper()
		select {
		case v := <-views:
			var out map[string]any
			if err := json.Unmarshal([]byte(v), &out); err != nil {
				t.Fatalf("view %s: %v", v, err)
			}
			return out
		case <-time.After(10 * time.Second):
			t.Fatal("no view within 10s")
		}
		return nil
	}
	if v := next(); v["phase"] != "charging" || v["soc"] != nil {
		t.Fatalf("first view: %v", v)
	}
	sendSoCAcked(t, dialCharger(t, m, "sb"), "b1", "42")
	testkit.HoldsFor(t, time.Second, func() error {
		if len(views) > 0 {
			return fmt.Errorf("a view arrived for another phone's reading: %s", <-views)
		}
		return nil
	})
	sendSoCAcked(t, dialCharger(t, m, "sa"), "a1", "81")
	v := next()
	for v["soc"] == nil { // the charger's connection is an event of the session too
		v = next()
	}
	if v["soc"] != 81.0 || v["status"] != "charging80" {
		t.Fatalf("after its own reading: %v", v)
	}
}

// TestCustomerStreamOutlivesWriteTimeout keeps a customer's stream open
// past the server's --write-timeout (meant for answers, not streams).
func TestCustomerStreamOutlivesWriteTimeout(t *testing.T) {
	m := startMain(t, t.TempDir(), func(m *Main) {
		m.Config.RemoteTimeout = 500 * time.Millisecond
		m.Config.TLS.WriteTimeout = time.Second
	})
	base := "http://" + m.HTTPURL
	var s boothSession
	mustAPI(t, base, "POST", "/api/sessions", `{"chargerId":"wt1"}`, http.StatusCreated, &s)
	resp, err := http.Get(base + "/c/" + sessionToken(t, base, s.ID) + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") {
				lines <- sc.Text()
			}
		}
		close(lines)
	}()
	<-lines // the first view
	testkit.HoldsFor(t, 3*time.Second, func() error {
		select {
		case _, ok := <-lines:
			if !ok {
				return fmt.Errorf("the stream ended")
			}
		default:
		}
		return nil
	})
	sendSoCAcked(t, dialCharger(t, m, "wt1"), "w1", "30")
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the stream ended after the write timeout")
			}
			if strings.Contains(l, `"soc":30`) {
				return
			}
		case <-timeout:
			t.Fatal("no view with the reading")
		}
	}
}

// TestReplayShowsTicketNotToken: replay shows a session's claim code,
// label and how its hand-back was verified, never its customer token.
func TestReplayShowsTicketNotToken(t *testing.T) {
	dir := t.TempDir()
	m := startMain(t, dir)
	base := "http://" + m.HTTPURL
	var s boothSession
	mustAPI(t, base, "POST", "/api/sessions", `{"chargerId":"rp1","label":"Zoë"}`, http.StatusCreated, &s)
	token := sessionToken(t, base, s.ID)
	mustAPI(t, base, "POST", "/api/sessions/"+s.ID+"/handback-override", `{"overrideReason":"ID checked: passport","waiveReason":"test"}`, http.StatusOK, nil)
	m.Close()
	code, out, errOut := runCmd(t, "replay", "--session", s.ID, "--data-dir", dir)
	if code != 0 {
		t.Fatalf("replay: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"claim code " + s.ClaimCode, `label "Zoë"`, "claim overridden: ID checked: passport"} {
		if !strings.Contains(out, want) {
			t.Errorf("replay lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, token) {
		t.Errorf("replay shows the customer token:\n%s", out)
	}
}
