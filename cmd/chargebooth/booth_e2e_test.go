package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/gorilla/websocket"
)

// The booth's working day end to end: real embedded JetStream, real
// charger sockets, the staff API over HTTP, the live feed over WebSocket.

// boothEvent is an event envelope as the API timeline and the live feed
// show it.
type boothEvent struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	ChargerID string          `json:"chargerId"`
	SessionID string          `json:"sessionId"`
	Time      time.Time       `json:"time"`
	Seq       uint64          `json:"seq"`
	Data      json.RawMessage `json:"data"`
}

// boothPayment is the data of a session.payment_recorded event.
type boothPayment struct {
	AmountCents int64  `json:"amountCents"`
	Method      string `json:"method"`
}

// boothSession is the session JSON of the staff API.
type boothSession struct {
	ID             string       `json:"id"`
	ChargerID      string       `json:"chargerId"`
	WidgetID       string       `json:"widgetId"`
	ClaimCode      string       `json:"claimCode"`
	Label          string       `json:"label"`
	VerifiedBy     string       `json:"verifiedBy"`
	State          string       `json:"state"`
	Status         string       `json:"status"`
	SoC            *float64     `json:"soc"`
	ChargedAt      *time.Time   `json:"chargedAt"`
	ClosedAt       *time.Time   `json:"closedAt"`
	AmountDueCents int64        `json:"amountDueCents"`
	PaidCents      int64        `json:"paidCents"`
	BalanceCents   int64        `json:"balanceCents"`
	Currency       string       `json:"currency"`
	Waived         bool         `json:"waived"`
	Overdue        bool         `json:"overdue"`
	Timeline       []boothEvent `json:"timeline"`
}

// boothReq calls the staff API with the test token and extra headers and
// returns the status code and the body.
func boothReq(tb testing.TB, base, method, path, body string, hdr map[string]string) (int, []byte) {
	tb.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, r)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, b
}

// mustAPI calls the API, wants the status code and decodes the body into out.
func mustAPI(tb testing.TB, base, method, path, body string, want int, out any) {
	tb.Helper()
	code, b := boothReq(tb, base, method, path, body, nil)
	if code != want {
		tb.Fatalf("%s %s: got %d, want %d: %s", method, path, code, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			tb.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

// errorCode returns the code of a JSON error body, or "" when it is not one.
func errorCode(b []byte) string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &e) != nil || e.Error.Message == "" {
		return ""
	}
	return e.Error.Code
}

// sendSoCAcked sends one reading with an id and waits until the server
// acknowledges it (it is stored then).
func sendSoCAcked(tb testing.TB, c *wsClient, id, soc string) {
	tb.Helper()
	c.send(`{"event":"StateOfCharge","id":"` + id + `","data":{"soc":` + soc + `}}`)
	for {
		f := c.nextFrame(10 * time.Second)
		switch {
		case f.Event == "Ack" && f.Data.ID == id:
			return
		case f.Event == "Error":
			tb.Fatalf("reading %s (soc %s): error %s: %s", id, soc, f.Data.Code, f.Data.Message)
		}
	}
}

// openSession returns the one open session of a charger.
func openSession(tb testing.TB, base, chargerID string) boothSession {
	tb.Helper()
	var list struct {
		Sessions []boothSession `json:"sessions"`
	}
	// A reading is acknowledged once stored; the projection folds it a
	// moment later.
	_ = testkit.Poll(5*time.Second, testkit.Every, func() error {
		list.Sessions = nil
		mustAPI(tb, base, "GET", "/api/sessions?state=open&charger="+chargerID, "", http.StatusOK, &list)
		if len(list.Sessions) != 1 {
			return errors.New("not one open session")
		}
		return nil
	})
	if len(list.Sessions) != 1 {
		tb.Fatalf("charger %s: got %d open sessions, want 1: %+v", chargerID, len(list.Sessions), list.Sessions)
	}
	return list.Sessions[0]
}

func getSession(tb testing.TB, base, id string) boothSession {
	tb.Helper()
	var s boothSession
	mustAPI(tb, base, "GET", "/api/sessions/"+id, "", http.StatusOK, &s)
	return s
}

// rawJSON fetches a route and decodes it generically, for comparing every
// field.
func rawJSON(tb testing.TB, base, path string) any {
	tb.Helper()
	var v any
	mustAPI(tb, base, "GET", path, "", http.StatusOK, &v)
	return v
}

// holdsFor polls cond for d and fails as soon as it stops holding: it
// proves that nothing more happens over a few timer ticks.
func holdsFor(tb testing.TB, d time.Duration, what string, cond func() bool) {
	tb.Helper()
	testkit.HoldsFor(tb, d, func() error {
		if !cond() {
			return errors.New(what + " stopped holding")
		}
		return nil
	})
}

func TestWholeDayOfOnePhone(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a server process")
	}
	dir := t.TempDir()
	p := startProc(t, dir)
	base := "http://" + p.http
	c := dial(t, "ws://"+p.charger+"/chargers/c1234", nil)

	socs := []string{"30", "55", "80", "100"}
	for i, soc := range socs {
		sendSoCAcked(t, c, fmt.Sprintf("day-%d", i), soc)
	}
	// The last reading is stored; wait until it and the session.charged
	// stored with it are folded.
	var s boothSession
	_ = testkit.Poll(5*time.Second, testkit.Every, func() error {
		if s = openSession(t, base, "c1234"); s.Status != "charged" || s.ChargedAt == nil {
			return errors.New("not charged yet")
		}
		return nil
	})
	if s.AmountDueCents != 500 || s.PaidCents != 0 || s.BalanceCents != 500 || s.Currency != "EUR" {
		t.Errorf("charged phone: got due %d paid %d balance %d %s, want 500 0 500 EUR",
			s.AmountDueCents, s.PaidCents, s.BalanceCents, s.Currency)
	}
	if s.Status != "charged" || s.SoC == nil || *s.SoC != 100 || s.ChargedAt == nil {
		t.Errorf("charged phone: got status %q soc %v chargedAt %v, want charged 100 set", s.Status, s.SoC, s.ChargedAt)
	}
	sessionPath := "/api/sessions/" + s.ID
	claim := fmt.Sprintf(`{"claimCode":%q}`, s.ClaimCode)

	code, b := boothReq(t, base, "POST", sessionPath+"/handback", claim, nil)
	if code != http.StatusConflict || errorCode(b) != "balance_due" {
		t.Fatalf("hand-back while owed: got %d %s, want 409 balance_due", code, b)
	}

	pay := `{"amountCents":500,"method":"cash","reference":"till 1"}`
	key := map[string]string{"Idempotency-Key": "day-pay-1"}
	for i, want := range []int{http.StatusCreated, http.StatusOK} {
		code, b := boothReq(t, base, "POST", sessionPath+"/payments", pay, key)
		if code != want {
			t.Fatalf("payment try %d: got %d %s, want %d", i+1, code, b, want)
		}
		var got boothSession
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("payment try %d: %s: %v", i+1, b, err)
		}
		if got.PaidCents != 500 || got.BalanceCents != 0 {
			t.Errorf("payment try %d: got paid %d balance %d, want 500 0", i+1, got.PaidCents, got.BalanceCents)
		}
	}

	var closed boothSession
	mustAPI(t, base, "POST", sessionPath+"/handback", claim, http.StatusOK, &closed)
	if closed.State != "closed" || closed.ClosedAt == nil || closed.Waived {
		t.Errorf("hand-back: got state %q closedAt %v waived %v, want closed, set, false", closed.State, closed.ClosedAt, closed.Waived)
	}

	got := getSession(t, base, s.ID)
	var story []string
	payments := 0
	for i, e := range got.Timeline {
		if e.SessionID != s.ID {
			t.Errorf("timeline event %s belongs to session %q", e.Type, e.SessionID)
		}
		if i > 0 && e.Seq <= got.Timeline[i-1].Seq {
			t.Errorf("timeline out of order at %d: seq %d after %d", i, e.Seq, got.Timeline[i-1].Seq)
		}
		switch e.Type {
		case "charger.soc_reported":
			var d struct {
				SoC float64 `json:"soc"`
			}
			_ = json.Unmarshal(e.Data, &d)
			story = append(story, "reading "+strconv.FormatFloat(d.SoC, 'f', -1, 64))
		case "session.payment_recorded":
			var d boothPayment
			_ = json.Unmarshal(e.Data, &d)
			story = append(story, fmt.Sprintf("payment %d %s", d.AmountCents, d.Method))
			payments++
		case "session.opened", "session.charged", "session.handed_back":
			story = append(story, e.Type)
		}
	}
	want := []string{"session.opened", "reading 30", "reading 55", "reading 80", "reading 100", "session.charged",
		"payment 500 cash", "session.handed_back"}
	if !reflect.DeepEqual(story, want) {
		t.Errorf("timeline:\n got %q\nwant %q", story, want)
	}
	if payments != 1 {
		t.Errorf("got %d payment events, want 1 (the retry with the same Idempotency-Key counts once)", payments)
	}

	before := rawJSON(t, base, sessionPath)
	beforeList := rawJSON(t, base, "/api/sessions?charger=c1234")
	p.kill9(t)

	p = startProc(t, dir)
	base = "http://" + p.http
	after := getSession(t, base, s.ID)
	if after.AmountDueCents != got.AmountDueCents || after.PaidCents != got.PaidCents || after.BalanceCents != got.BalanceCents ||
		after.State != got.State || len(after.Timeline) != len(got.Timeline) {
		t.Errorf("after kill -9: got due %d paid %d balance %d %s, %d events; want due %d paid %d balance %d %s, %d events",
			after.AmountDueCents, after.PaidCents, after.BalanceCents, after.State, len(after.Timeline),
			got.AmountDueCents, got.PaidCents, got.BalanceCents, got.State, len(got.Timeline))
	}
	if a := rawJSON(t, base, sessionPath); !reflect.DeepEqual(a, before) {
		t.Errorf("session JSON after kill -9 differs:\n got %v\nwant %v", a, before)
	}
	if a := rawJSON(t, base, "/api/sessions?charger=c1234"); !reflect.DeepEqual(a, beforeList) {
		t.Errorf("sessions list after kill -9 differs:\n got %v\nwant %v", a, beforeList)
	}
}

// reconciliation is the JSON reconciliation report.
type reconciliation struct {
	ByMethod []struct {
		Method      string `json:"method"`
		Payments    int    `json:"payments"`
		AmountCents int64  `json:"amountCents"`
	} `json:"byMethod"`
	TotalCents     int64 `json:"totalCents"`
	Payments       int   `json:"payments"`
	SessionsOpened int   `json:"sessionsOpened"`
	SessionsPaid   int   `json:"sessionsPaid"`
	SessionsWaived int   `json:"sessionsWaived"`
	WaivedCents    int64 `json:"waivedCents"`
	SessionsOpen   int   `json:"sessionsOpen"`
	OwedCents      int64 `json:"owedCents"`
}

// tally is what a report should say, added up independently.
type tally struct {
	count, cents               map[string]int64 // by method, and "total"
	opened, paid, waived, open int
	waivedCents, owedCents     int64
}

// csvFigures reads the API's reconciliation CSV into count and
// amount_cents by "section/item".
func csvFigures(tb testing.TB, body []byte) map[string][2]string {
	tb.Helper()
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(rows) < 2 {
		tb.Fatalf("reconciliation CSV: %v\n%s", err, body)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, h := range []string{"section", "item", "count", "amount_cents"} {
		if _, ok := col[h]; !ok {
			tb.Fatalf("reconciliation CSV has no %q column: %v", h, rows[0])
		}
	}
	out := map[string][2]string{}
	for _, r := range rows[1:] {
		out[r[col["section"]]+"/"+r[col["item"]]] = [2]string{r[col["count"]], r[col["amount_cents"]]}
	}
	return out
}

func TestReconciliationEqualsPayments(t *testing.T) {
	type pay struct {
		cents  int64
		method string
		key    string
	}
	scenarios := []struct {
		name     string
		charger  string
		checkIn  bool
		socs     []string
		pays     []pay
		handBack bool
		waive    string
	}{
		{name: "cash in full, retried", charger: "r1", socs: []string{"40", "100"},
			pays: []pay{{500, "cash", "k-r1"}, {500, "cash", "k-r1"}}, handBack: true},
		{name: "card in full", charger: "r2", socs: []string{"100"}, pays: []pay{{500, "card", ""}}, handBack: true},
		{name: "split card and cash", charger: "r3", socs: []string{"70", "100"},
			pays: []pay{{199, "card", ""}, {301, "cash", "k-r3"}}, handBack: true},
		{name: "checked in, waived unpaid", charger: "r4", checkIn: true, socs: []string{"50"},
			handBack: true, waive: "lost the ticket"},
		{name: "part paid, rest waived", charger: "r5", socs: []string{"90"},
			pays: []pay{{150, "card", ""}}, handBack: true, waive: "regular customer"},
		{name: "open, unpaid", charger: "r6", socs: []string{"20"}},
		{name: "open, part paid", charger: "r7", socs: []string{"100"}, pays: []pay{{250, "cash", ""}}},
		{name: "second session on a charger", charger: "r1", socs: []string{"10", "100"},
			pays: []pay{{500, "card", "k-r1b"}}, handBack: true},
	}
	dir := t.TempDir()
	m := startMain(t, dir)
	base := "http://" + m.HTTPURL
	from := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	// The sockets belong to the whole test: one charger serves two scenarios.
	sockets := map[string]*wsClient{}
	for _, sc := range scenarios {
		if sockets[sc.charger] == nil {
			sockets[sc.charger] = dialCharger(t, m, sc.charger)
		}
	}
	for i, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			if sc.checkIn {
				mustAPI(t, base, "POST", "/api/sessions", `{"chargerId":"`+sc.charger+`"}`, http.StatusCreated, nil)
			}
			for j, soc := range sc.socs {
				sendSoCAcked(t, sockets[sc.charger], fmt.Sprintf("s%d-%d", i, j), soc)
			}
			s := openSession(t, base, sc.charger)
			for j, p := range sc.pays {
				hdr := map[string]string{}
				if p.key != "" {
					hdr["Idempotency-Key"] = p.key
				}
				body := fmt.Sprintf(`{"amountCents":%d,"method":%q}`, p.cents, p.method)
				code, b := boothReq(t, base, "POST", "/api/sessions/"+s.ID+"/payments", body, hdr)
				if code != http.StatusCreated && code != http.StatusOK {
					t.Fatalf("payment %d: got %d %s", j, code, b)
				}
			}
			if sc.handBack {
				body := fmt.Sprintf(`{"claimCode":%q}`, s.ClaimCode)
				if sc.waive != "" {
					body = fmt.Sprintf(`{"claimCode":%q,"waiveReason":%q}`, s.ClaimCode, sc.waive)
				}
				mustAPI(t, base, "POST", "/api/sessions/"+s.ID+"/handback", body, http.StatusOK, nil)
			}
		})
	}
	to := time.Now().Add(time.Minute).UTC().Truncate(time.Second)
	if t.Failed() {
		t.FailNow()
	}

	// Add up the payment events of every session's timeline.
	want := tally{count: map[string]int64{}, cents: map[string]int64{}}
	var list struct {
		Sessions []boothSession `json:"sessions"`
	}
	mustAPI(t, base, "GET", "/api/sessions", "", http.StatusOK, &list)
	for _, s := range list.Sessions {
		for _, e := range getSession(t, base, s.ID).Timeline {
			if e.Type != "session.payment_recorded" {
				continue
			}
			var d boothPayment
			if err := json.Unmarshal(e.Data, &d); err != nil {
				t.Fatalf("payment event %s: %v", e.Data, err)
			}
			want.count[d.Method]++
			want.cents[d.Method] += d.AmountCents
			want.count["total"]++
			want.cents["total"] += d.AmountCents
		}
		want.opened++
		switch {
		case s.State == "open":
			want.open++
			want.owedCents += s.BalanceCents
		case s.Waived:
			want.waived++
			want.waivedCents += s.BalanceCents
		default:
			want.paid++
		}
	}
	// The scenarios, added up by hand: the retried payment counts once.
	if want.cents["total"] != 2400 || want.count["total"] != 7 || want.cents["cash"] != 1051 || want.cents["card"] != 1349 {
		t.Errorf("payment events: got %d payments of %d cents (cash %d, card %d), want 7 of 2400 (cash 1051, card 1349)",
			want.count["total"], want.cents["total"], want.cents["cash"], want.cents["card"])
	}
	if want.opened != 8 || want.paid != 4 || want.waived != 2 || want.waivedCents != 850 || want.open != 2 || want.owedCents != 750 {
		t.Errorf("sessions: got %+v, want 8 opened, 4 paid, 2 waived (850), 2 open (750 owed)", want)
	}

	q := "/api/reports/reconciliation?from=" + from.Format(time.RFC3339) + "&to=" + to.Format(time.RFC3339)
	var rep reconciliation
	mustAPI(t, base, "GET", q, "", http.StatusOK, &rep)
	if rep.TotalCents != want.cents["total"] || int64(rep.Payments) != want.count["total"] {
		t.Errorf("JSON total: got %d payments of %d cents, want %d of %d", rep.Payments, rep.TotalCents, want.count["total"], want.cents["total"])
	}
	for _, method := range []string{"cash", "card"} {
		found := false
		for _, bm := range rep.ByMethod {
			if bm.Method == method {
				found = true
				if bm.AmountCents != want.cents[method] || int64(bm.Payments) != want.count[method] {
					t.Errorf("JSON %s: got %d payments of %d cents, want %d of %d", method, bm.Payments, bm.AmountCents, want.count[method], want.cents[method])
				}
			}
		}
		if !found {
			t.Errorf("JSON byMethod has no %s: %+v", method, rep.ByMethod)
		}
	}
	if rep.SessionsOpened != want.opened || rep.SessionsPaid != want.paid || rep.SessionsWaived != want.waived ||
		rep.WaivedCents != want.waivedCents || rep.SessionsOpen != want.open || rep.OwedCents != want.owedCents {
		t.Errorf("JSON sessions: got %+v, want opened %d paid %d waived %d (%d) open %d (%d)", rep,
			want.opened, want.paid, want.waived, want.waivedCents, want.open, want.owedCents)
	}

	code, apiCSV := boothReq(t, base, "GET", q, "", map[string]string{"Accept": "text/csv"})
	if code != http.StatusOK {
		t.Fatalf("CSV report: got %d %s", code, apiCSV)
	}
	fig := csvFigures(t, apiCSV)
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	csvWant := map[string][2]string{
		"payments/cash":   {n(want.count["cash"]), n(want.cents["cash"])},
		"payments/card":   {n(want.count["card"]), n(want.cents["card"])},
		"payments/total":  {n(want.count["total"]), n(want.cents["total"])},
		"sessions/opened": {n(int64(want.opened)), ""},
		"sessions/paid":   {n(int64(want.paid)), ""},
		"sessions/waived": {n(int64(want.waived)), n(want.waivedCents)},
		"sessions/open":   {n(int64(want.open)), n(want.owedCents)},
	}
	for k, w := range csvWant {
		if g := fig[k]; g != w {
			t.Errorf("CSV %s: got count %q amount_cents %q, want %q %q", k, g[0], g[1], w[0], w[1])
		}
	}

	var apiJSON any
	mustAPI(t, base, "GET", q, "", http.StatusOK, &apiJSON)
	m.Close()

	for _, format := range []string{"csv", "json"} {
		var out, errOut bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		rc := run(ctx, []string{"report", "--from", from.Format(time.RFC3339), "--to", to.Format(time.RFC3339),
			"--format", format, "--data-dir", dir}, strings.NewReader(""), &out, &errOut)
		cancel()
		if rc != 0 {
			t.Fatalf("chargebooth report --format %s: exit %d\n%s%s", format, rc, out.String(), errOut.String())
		}
		switch format {
		case "csv":
			if out.String() != string(apiCSV) {
				t.Errorf("chargebooth report --format csv differs from the API's CSV:\n--- report\n%s--- API\n%s", out.String(), apiCSV)
			}
		case "json":
			var cli any
			if err := json.Unmarshal(out.Bytes(), &cli); err != nil {
				t.Fatalf("chargebooth report --format json: %v\n%s", err, out.String())
			}
			if !reflect.DeepEqual(cli, apiJSON) {
				t.Errorf("chargebooth report --format json differs from the API's JSON:\n got %v\nwant %v", cli, apiJSON)
			}
		}
	}
}

// boothClock is an injected server clock: it runs with the wall clock from
// an offset, or stands still.
type boothClock struct {
	mu     sync.Mutex
	offset time.Duration
	frozen time.Time
}

func (c *boothClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.frozen.IsZero() {
		return c.frozen
	}
	return time.Now().Add(c.offset).Round(0)
}

// set makes the clock run on from t.
func (c *boothClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset, c.frozen = time.Until(t), time.Time{}
}

// freeze stops the clock where it is and returns that time.
func (c *boothClock) freeze() time.Time {
	t := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frozen = t
	return t
}

// liveFeed is a /api/live client subscribed to everything, counting the
// events it receives by type.
type liveFeed struct {
	mu     sync.Mutex
	counts map[string]int
	events []boothEvent
}

func dialFeed(tb testing.TB, m *Main) *liveFeed {
	tb.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial("ws://"+m.HTTPURL+"/api/live?token="+testToken, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		tb.Fatalf("dial live feed: %v (HTTP %d)", err, status)
	}
	tb.Cleanup(func() { ws.Close() })
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"action":"subscribe","chargerId":"*"}`)); err != nil {
		tb.Fatalf("subscribe: %v", err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	var ack struct {
		Type      string `json:"type"`
		ChargerID string `json:"chargerId"`
	}
	if err := ws.ReadJSON(&ack); err != nil || ack.Type != "subscribed" || ack.ChargerID != "*" {
		tb.Fatalf("subscribe: got %+v (%v), want subscribed *", ack, err)
	}
	_ = ws.SetReadDeadline(time.Time{})
	f := &liveFeed{counts: map[string]int{}}
	go func() {
		for {
			_, b, err := ws.ReadMessage()
			if err != nil {
				return
			}
			var e boothEvent
			if json.Unmarshal(b, &e) != nil {
				continue
			}
			f.mu.Lock()
			f.counts[e.Type]++
			f.events = append(f.events, e)
			f.mu.Unlock()
		}
	}()
	return f
}

func (f *liveFeed) count(typ string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[typ]
}

func (f *liveFeed) first(typ string) (boothEvent, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range f.events {
		if e.Type == typ {
			return e, true
		}
	}
	return boothEvent{}, false
}

// noticeAt is the local wall-clock form of t in zone, as staff type it.
func noticeAt(tb testing.TB, t time.Time, zone string) string {
	tb.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		tb.Fatalf("zone %s: %v", zone, err)
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

func TestOverdueAndNoticeFireOnce(t *testing.T) {
	const zone = "Europe/Madrid"
	const fired, overdue = "notice.fired", "session.overdue"
	// Reminders look every second; a few ticks prove nothing fires again.
	const ticks = 2500 * time.Millisecond
	clk := &boothClock{}
	mod := func(m *Main) {
		m.Clock = clk.now
		m.Config.CollectAfter = time.Second
	}
	dir := t.TempDir()
	m := startMain(t, dir, mod)
	base := "http://" + m.HTTPURL
	feed := dialFeed(t, m)
	counts := func(m *Main) (int, int) {
		c := m.Board.EventCounts()
		return int(c[fired]), int(c[overdue])
	}

	// Notices are set to the minute: run the clock from 2 s before one.
	due := clk.now().Truncate(time.Minute).Add(time.Minute)
	if due.Sub(clk.now()) < 3*time.Second {
		due = due.Add(time.Minute)
	}
	clk.set(due.Add(-2 * time.Second))
	body := fmt.Sprintf(`{"at":%q,"timeZone":%q,"text":"Booth closes in 30 minutes"}`, noticeAt(t, due, zone), zone)
	var n1 struct {
		NoticeID string    `json:"noticeId"`
		At       time.Time `json:"at"`
	}
	mustAPI(t, base, "POST", "/api/notices", body, http.StatusCreated, &n1)
	if !n1.At.Equal(due) {
		t.Fatalf("notice at: got %s, want %s", n1.At, due)
	}
	c := dialCharger(t, m, "c1234")
	sendSoCAcked(t, c, "o-100", "100")

	checkFor(t, 10*time.Second, func() bool { return feed.count(fired) >= 1 && feed.count(overdue) >= 1 })
	if e, _ := feed.first(fired); e.Time.Before(due) {
		t.Errorf("notice fired at %s, before it was due at %s", e.Time, due)
	}
	holdsFor(t, ticks, "one notice.fired and one session.overdue", func() bool {
		f, o := counts(m)
		return feed.count(fired) == 1 && feed.count(overdue) == 1 && f == 1 && o == 1
	})
	if ch := chargerOverdue(t, base, "c1234"); !ch {
		t.Errorf("c1234: got overdue false, want true")
	}

	// While down: a notice and a charged phone, neither due before the
	// server stops; both come due while it is down.
	at := clk.freeze()
	due2 := at.Truncate(time.Minute).Add(time.Minute)
	body = fmt.Sprintf(`{"at":%q,"timeZone":%q,"text":"Last call"}`, noticeAt(t, due2, zone), zone)
	mustAPI(t, base, "POST", "/api/notices", body, http.StatusCreated, nil)
	c2 := dialCharger(t, m, "c77")
	sendSoCAcked(t, c2, "o2-100", "100")
	if f, o := counts(m); f != 1 || o != 1 {
		t.Fatalf("before the stop: got %d notice.fired and %d session.overdue, want 1 and 1", f, o)
	}
	m.Close()
	clk.set(due2.Add(2 * time.Second)) // the time passes while the server is down

	m = startMain(t, dir, mod)
	base = "http://" + m.HTTPURL
	checkFor(t, 10*time.Second, func() bool { f, o := counts(m); return f >= 2 && o >= 2 })
	feed = dialFeed(t, m)
	holdsFor(t, ticks, "two notice.fired and two session.overdue in the stream, none more on the feed", func() bool {
		f, o := counts(m)
		return f == 2 && o == 2 && feed.count(fired) == 0 && feed.count(overdue) == 0
	})
	var notices struct {
		Notices []struct {
			NoticeID string `json:"noticeId"`
			Fired    bool   `json:"fired"`
		} `json:"notices"`
	}
	mustAPI(t, base, "GET", "/api/notices", "", http.StatusOK, &notices)
	if len(notices.Notices) != 2 {
		t.Fatalf("got %d notices, want 2: %+v", len(notices.Notices), notices.Notices)
	}
	for _, n := range notices.Notices {
		if !n.Fired {
			t.Errorf("notice %s: got fired false, want true", n.NoticeID)
		}
	}
	for _, id := range []string{"c1234", "c77"} {
		if !chargerOverdue(t, base, id) {
			t.Errorf("%s: got overdue false, want true", id)
		}
	}

	// A further restart fires nothing more.
	m.Close()
	m = startMain(t, dir, mod)
	feed = dialFeed(t, m)
	holdsFor(t, ticks, "nothing more fires after another restart", func() bool {
		f, o := counts(m)
		return f == 2 && o == 2 && feed.count(fired) == 0 && feed.count(overdue) == 0
	})

	// A full replay of the stream agrees with the restored counts.
	m.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	o, err := openOps(ctx, "", dir, &natsAuth{}, io.Discard)
	if err != nil {
		t.Fatalf("open the stopped store: %v", err)
	}
	defer o.Close()
	b, err := foldAll(ctx, o.Store, domain.DefaultTariff)
	if err != nil {
		t.Fatal(err)
	}
	if c := b.EventCounts(); c[fired] != 2 || c[overdue] != 2 {
		t.Errorf("full replay: got %d notice.fired and %d session.overdue, want 2 and 2", c[fired], c[overdue])
	}
}

func chargerOverdue(tb testing.TB, base, id string) bool {
	tb.Helper()
	var ch struct {
		Overdue bool `json:"overdue"`
	}
	mustAPI(tb, base, "GET", "/api/chargers/"+id, "", http.StatusOK, &ch)
	return ch.Overdue
}
