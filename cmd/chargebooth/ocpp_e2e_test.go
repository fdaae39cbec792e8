package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/gorilla/websocket"
	"golang.org/x/crypto/bcrypt"
)

// interopDir holds the Node OCPP client driven by TestOCPPInterop.
var interopDir = filepath.Join("..", "..", "test", "ocpp-interop")

// ocppCharger is a hand-written OCPP 1.6J charge point: it sends CALLs,
// waits for their answers and collects the CALLs the server sends.
type ocppCharger struct {
	tb      testing.TB
	ws      *websocket.Conn
	prefix  string // unique ids are prefix-n: new on every connection
	n       int
	answers chan []json.RawMessage // CALLRESULT and CALLERROR frames
	calls   chan []json.RawMessage // server-initiated CALLs
	closed  chan struct{}
}

// dialOCPPRaw opens an OCPP 1.6J socket without failing the test.
func dialOCPPRaw(m *Main, id string, header http.Header) (*websocket.Conn, *http.Response, error) {
	d := *websocket.DefaultDialer
	d.Subprotocols = []string{"ocpp1.6"}
	return d.Dial("ws://"+m.ChargerURL+"/chargers/"+id, header)
}

// dialOCPP connects an OCPP 1.6J charger and checks that the server chose
// the ocpp1.6 subprotocol.
func dialOCPP(tb testing.TB, m *Main, id string, header http.Header) *ocppCharger {
	tb.Helper()
	ws, resp, err := dialOCPPRaw(m, id, header)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		tb.Fatalf("dial OCPP %s: %v (HTTP %d)", id, err, status)
	}
	if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != "ocpp1.6" {
		tb.Fatalf("Sec-WebSocket-Protocol: got %q, want ocpp1.6", got)
	}
	c := &ocppCharger{tb: tb, ws: ws, prefix: rand.Text()[:8],
		answers: make(chan []json.RawMessage, 100), calls: make(chan []json.RawMessage, 100), closed: make(chan struct{})}
	go c.read()
	tb.Cleanup(func() { ws.Close() })
	return c
}

func (c *ocppCharger) read() {
	defer close(c.closed)
	for {
		_, b, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var elems []json.RawMessage
		if err := json.Unmarshal(b, &elems); err != nil || len(elems) < 3 {
			c.tb.Errorf("server sent a frame that is not OCPP-J: %s", b)
			continue
		}
		if string(elems[0]) == "2" {
			c.calls <- elems
		} else {
			c.answers <- elems
		}
	}
}

// callFrame sends a CALL and returns the server's answer frame.
func (c *ocppCharger) callFrame(action, payload string) []json.RawMessage {
	c.tb.Helper()
	c.n++
	id := fmt.Sprintf("%s-%d", c.prefix, c.n)
	frame := fmt.Sprintf(`[2,%q,%q,%s]`, id, action, payload)
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		c.tb.Fatalf("send %s: %v", action, err)
	}
	select {
	case elems := <-c.answers:
		var got string
		_ = json.Unmarshal(elems[1], &got)
		if got != id {
			c.tb.Fatalf("%s: answer for id %q, want %q", action, got, id)
		}
		return elems
	case <-c.closed:
		c.tb.Fatalf("%s: socket closed while waiting for the answer", action)
	case <-time.After(5 * time.Second):
		c.tb.Fatalf("%s: no answer within 5s", action)
	}
	return nil
}

// call sends a CALL, fails on a CALLERROR and decodes the CALLRESULT.
func (c *ocppCharger) call(action, payload string, out any) {
	c.tb.Helper()
	elems := c.callFrame(action, payload)
	if string(elems[0]) != "3" {
		c.tb.Fatalf("%s: got %s, want a CALLRESULT", action, joinRaw(elems))
	}
	if out != nil {
		if err := json.Unmarshal(elems[2], out); err != nil {
			c.tb.Fatalf("%s: decode %s: %v", action, elems[2], err)
		}
	}
}

// nextCall returns the next CALL the server sent: its id, action, payload.
func (c *ocppCharger) nextCall(timeout time.Duration) (id, action string, payload json.RawMessage) {
	c.tb.Helper()
	select {
	case elems := <-c.calls:
		_ = json.Unmarshal(elems[1], &id)
		_ = json.Unmarshal(elems[2], &action)
		if len(elems) > 3 {
			payload = elems[3]
		}
		return id, action, payload
	case <-time.After(timeout):
		c.tb.Fatalf("no CALL from the server within %s", timeout)
	}
	return "", "", nil
}

// reply answers a server-initiated CALL with a CALLRESULT.
func (c *ocppCharger) reply(id, payload string) {
	c.tb.Helper()
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf(`[3,%q,%s]`, id, payload))); err != nil {
		c.tb.Fatalf("reply: %v", err)
	}
}

// close closes the socket and waits until the reader saw it end.
func (c *ocppCharger) close() {
	c.tb.Helper()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"),
		time.Now().Add(time.Second))
	select {
	case <-c.closed:
	case <-time.After(5 * time.Second):
	}
	c.ws.Close()
}

func joinRaw(elems []json.RawMessage) string {
	parts := make([]string, len(elems))
	for i, e := range elems {
		parts[i] = string(e)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

type bootConf struct {
	Status      string `json:"status"`
	Interval    *int   `json:"interval"`
	CurrentTime string `json:"currentTime"`
}

const bootReq = `{"chargePointVendor":"Test","chargePointModel":"E2E"}`

func (c *ocppCharger) boot() bootConf {
	c.tb.Helper()
	var conf bootConf
	c.call("BootNotification", bootReq, &conf)
	return conf
}

func socMeterValues(soc, ts string) string {
	return `{"connectorId":0,"meterValue":[{"timestamp":"` + ts + `","sampledValue":[{"value":"` + soc + `","measurand":"SoC","unit":"Percent"}]}]}`
}

func pair(tb testing.TB, m *Main, chargerID, widgetID string) {
	tb.Helper()
	if code := api(tb, m, "PUT", "/api/pairings/"+chargerID, `{"widgetId":"`+widgetID+`"}`, nil); code != http.StatusOK {
		tb.Fatalf("pair %s → %s: HTTP %d", chargerID, widgetID, code)
	}
	checkFor(tb, 5*time.Second, func() bool { return m.Board.WidgetOf(chargerID) == widgetID })
}

// remoteResult is the staff API's answer to remote-start and remote-stop.
type remoteResult struct {
	ChargerID string `json:"chargerId"`
	Response  struct {
		Status string `json:"status"`
	} `json:"response"`
	Error struct {
		Code string `json:"code"`
	} `json:"error"`
}

// interopLine is one JSON line the Node script prints.
type interopLine struct {
	Event          string            `json:"event"`
	Name           string            `json:"name"`
	OK             bool              `json:"ok"`
	Protocol       string            `json:"protocol"`
	TransactionID  *int              `json:"transactionId"`
	StrictFailures []json.RawMessage `json:"strictFailures"`
	BadMessages    []json.RawMessage `json:"badMessages"`
	CallErrors     []json.RawMessage `json:"callErrors"`
	Errors         []string          `json:"errors"`
}

func TestOCPPInterop(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed; the OCPP interop test needs Node.js (sudo apt-get install -y nodejs npm)")
	}
	if _, err := os.Stat(filepath.Join(interopDir, "node_modules", "ocpp-rpc")); err != nil {
		t.Fatalf("the Node OCPP client is not installed: run `make deps-interop` (or `cd test/ocpp-interop && npm ci`)")
	}
	m := startMain(t, t.TempDir(), func(m *Main) { m.Config.Heartbeat = 42 * time.Second })
	const chargerID, widgetID = "cInterop", "wInterop"
	pair(t, m, chargerID, widgetID)
	w := dialWidget(t, m, widgetID)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "interop.mjs")
	cmd.Dir = interopDir
	cmd.Env = append(os.Environ(),
		"OCPP_ENDPOINT=ws://"+m.ChargerURL+"/chargers",
		"CHARGER_ID="+chargerID,
		"STAFF_API=http://"+m.HTTPURL,
		"STAFF_TOKEN="+testToken,
		"EXPECT_INTERVAL=42",
		"REMOTE_WAIT_MS=10000",
		"TIMEOUT_MS=25000",
		"EXPECT_CALLS="+interopExpectCalls(),
	)
	stderr := &testkit.SyncBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node: %v", err)
	}
	lines := make(chan interopLine, 100)
	output := &testkit.SyncBuffer{}
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			output.Write(append(sc.Bytes(), '\n'))
			var l interopLine
			if json.Unmarshal(sc.Bytes(), &l) == nil {
				lines <- l
			}
		}
	}()
	dump := func() string { return "stdout:\n" + output.String() + "stderr:\n" + stderr.String() }

	var summary *interopLine
	ready := false
	for l := range lines {
		switch l.Event {
		case "step":
			if !l.OK {
				t.Errorf("interop step %s failed", l.Name)
			}
		case "ready":
			ready = true
			var res remoteResult
			code := api(t, m, "POST", "/api/chargers/"+chargerID+"/remote-start", `{"idTag":"staff1","connectorId":1}`, &res)
			if code != http.StatusOK || res.Response.Status != "Accepted" {
				t.Errorf("remote-start: got HTTP %d %+v, want 200 with the charger's answer Accepted", code, res)
			}
			driveInteropCalls(t, m, chargerID)
		case "summary":
			summary = &l
		}
	}
	err = cmd.Wait()
	if ctx.Err() != nil {
		t.Fatalf("interop script did not finish in time\n%s", dump())
	}
	if err != nil {
		t.Errorf("interop script: %v, want exit 0\n%s", err, dump())
	}
	if !ready {
		t.Errorf("the script never signalled readiness for the remote start\n%s", dump())
	}
	switch {
	case summary == nil:
		t.Errorf("no summary line\n%s", dump())
	case !summary.OK || summary.Protocol != "ocpp1.6" || len(summary.StrictFailures) > 0 ||
		len(summary.BadMessages) > 0 || len(summary.CallErrors) > 0 || len(summary.Errors) > 0:
		t.Errorf("summary: got ok=%v protocol=%q strict=%d bad=%d callErrors=%d errors=%v, want ok ocpp1.6 with no failures\n%s",
			summary.OK, summary.Protocol, len(summary.StrictFailures), len(summary.BadMessages),
			len(summary.CallErrors), summary.Errors, dump())
	case summary.TransactionID == nil || *summary.TransactionID < 1:
		t.Errorf("summary: transactionId %v, want a positive integer", summary.TransactionID)
	}

	// MeterValues SoC "85.0" reached the paired widget.
	if got := w.status(5 * time.Second); got != "charging80" {
		t.Errorf("widget: got %q, want charging80", got)
	}
	ch, ok := m.Board.Charger(chargerID, time.Now())
	if !ok || ch.Meta == nil || ch.Meta.Vendor != "ocpp-rpc" {
		t.Errorf("charger metadata: got %+v, want the vendor from BootNotification", ch.Meta)
	}
}

func TestOCPPAndSimpleSideBySide(t *testing.T) {
	m := startMain(t, t.TempDir())
	pair(t, m, "cSimple", "wSimple")
	pair(t, m, "cOCPP", "wOCPP")
	ws := dialWidget(t, m, "wSimple")
	wo := dialWidget(t, m, "wOCPP")

	simple := dialCharger(t, m, "cSimple")
	if got := simple.ws.Subprotocol(); got != "" {
		t.Errorf("simple charger subprotocol: got %q, want none", got)
	}
	o := dialOCPP(t, m, "cOCPP", nil)
	if got := o.ws.Subprotocol(); got != "ocpp1.6" {
		t.Fatalf("OCPP charger subprotocol: got %q, want ocpp1.6", got)
	}
	if conf := o.boot(); conf.Status != "Accepted" {
		t.Errorf("boot: got %q, want Accepted", conf.Status)
	}

	simple.send(reading("30"))
	if got := ws.status(5 * time.Second); got != "charging" {
		t.Errorf("simple widget: got %q, want charging", got)
	}
	o.call("MeterValues", socMeterValues("100.0", time.Now().UTC().Format(time.RFC3339)), nil)
	if got := wo.status(5 * time.Second); got != "charged" {
		t.Errorf("OCPP widget: got %q, want charged", got)
	}
	simple.send(reading("85.5"))
	if got := ws.status(5 * time.Second); got != "charging80" {
		t.Errorf("simple widget: got %q, want charging80", got)
	}
	ws.none(200 * time.Millisecond)
	wo.none(200 * time.Millisecond)

	for _, tt := range []struct{ id, protocol string }{{"cSimple", ""}, {"cOCPP", "ocpp1.6"}} {
		ch, _ := m.Board.Charger(tt.id, time.Now())
		if !ch.Online {
			t.Errorf("%s: shown offline", tt.id)
		}
		if tt.protocol != "" && ch.Protocol != tt.protocol {
			t.Errorf("%s protocol: got %q, want %q", tt.id, ch.Protocol, tt.protocol)
		}
	}
}

func TestOCPPReplayStoredOnce(t *testing.T) {
	m := startMain(t, t.TempDir())
	const id = "cReplay"
	start := `{"connectorId":1,"idTag":"TAG1","meterStart":100,"timestamp":"2026-07-01T12:00:00.000Z"}`
	meter := `{"connectorId":1,"meterValue":[{"timestamp":"2026-07-01T12:05:00Z","sampledValue":[` +
		`{"value":"50.0","measurand":"SoC","unit":"Percent"},{"value":"1234","measurand":"Energy.Active.Import.Register"}]}]}`

	send := func(c *ocppCharger, withStop bool, txWant int) int {
		t.Helper()
		var conf struct {
			TransactionID *int `json:"transactionId"`
			IDTagInfo     struct {
				Status string `json:"status"`
			} `json:"idTagInfo"`
		}
		c.call("StartTransaction", start, &conf)
		if conf.TransactionID == nil || conf.IDTagInfo.Status != "Accepted" {
			t.Fatalf("StartTransaction: got %+v, want a transactionId and Accepted", conf)
		}
		if txWant != 0 && *conf.TransactionID != txWant {
			t.Errorf("replayed StartTransaction: got transactionId %d, want %d", *conf.TransactionID, txWant)
		}
		c.call("MeterValues", meter, nil)
		if withStop {
			c.call("StopTransaction", fmt.Sprintf(`{"transactionId":%d,"meterStop":900,"timestamp":"2026-07-01T12:30:00Z"}`,
				*conf.TransactionID), nil)
		}
		return *conf.TransactionID
	}

	first := dialOCPP(t, m, id, nil)
	first.boot()
	tx := send(first, true, 0)
	first.close()
	checkFor(t, 5*time.Second, func() bool { ch, _ := m.Board.Charger(id, time.Now()); return !ch.Online })

	second := dialOCPP(t, m, id, nil)
	send(second, true, tx)
	// A fresh reading after the replays: once it is folded, so is any replay
	// that was wrongly stored (one charger's events are in order).
	second.call("MeterValues", socMeterValues("60.0", "2026-07-01T12:40:00Z"), nil)
	checkFor(t, 5*time.Second, func() bool { return m.Board.EventCounts()[domain.TypeSoCReported] >= 2 })

	counts := m.Board.EventCounts()
	for _, tt := range []struct {
		typ  string
		want uint64
	}{
		{domain.TypeTransactionStarted, 1},
		{domain.TypeTransactionStopped, 1},
		{domain.TypeMeterSampled, 1},
		{domain.TypeSoCReported, 2},
		{domain.TypeSessionOpened, 1},
	} {
		if got := counts[tt.typ]; got != tt.want {
			t.Errorf("%s: got %d events, want %d", tt.typ, got, tt.want)
		}
	}

	// The session's timeline from the store says the same.
	ch, _ := m.Board.Charger(id, time.Now())
	if ch.SessionID == "" {
		t.Fatal("no open session")
	}
	var detail struct {
		TransactionID int `json:"transactionId"`
		Timeline      []struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		} `json:"timeline"`
	}
	if code := api(t, m, "GET", "/api/sessions/"+ch.SessionID, "", &detail); code != http.StatusOK {
		t.Fatalf("GET session: HTTP %d", code)
	}
	byType := map[string]int{}
	for _, e := range detail.Timeline {
		byType[e.Type]++
	}
	if byType[domain.TypeTransactionStarted] != 1 || byType[domain.TypeTransactionStopped] != 1 ||
		byType[domain.TypeMeterSampled] != 1 || byType[domain.TypeSoCReported] != 2 {
		t.Errorf("timeline: got %v, want one start, one stop, one meter sample and two readings", byType)
	}
	for _, e := range detail.Timeline {
		if e.Type != domain.TypeTransactionStarted {
			continue
		}
		var d struct {
			TransactionID int `json:"transactionId"`
		}
		if err := json.Unmarshal(e.Data, &d); err != nil || d.TransactionID != tx {
			t.Errorf("stored transaction start %s: got transactionId %d (%v), want %d", e.Data, d.TransactionID, err, tx)
		}
	}
	if detail.TransactionID != 0 {
		t.Errorf("session transactionId after StopTransaction: got %d, want 0 (none running)", detail.TransactionID)
	}
}

func TestOCPPRemoteCommandErrors(t *testing.T) {
	m := startMain(t, t.TempDir())
	simple := dialCharger(t, m, "cSimple")
	simple.send(reading("10"))
	checkFor(t, 5*time.Second, func() bool { ch, _ := m.Board.Charger("cSimple", time.Now()); return ch.Online })

	gone := dialOCPP(t, m, "cGone", nil)
	gone.boot()
	gone.close()
	checkFor(t, 5*time.Second, func() bool {
		_, on := m.Chargers.Session("cGone")
		return !on
	})

	tests := []struct {
		name, charger, path, body string
		want                      int
		code                      string
	}{
		{"simple charger", "cSimple", "remote-start", `{"idTag":"T1"}`, http.StatusConflict, "not_ocpp"},
		{"simple charger stop", "cSimple", "remote-stop", `{"transactionId":1}`, http.StatusConflict, "not_ocpp"},
		{"unknown charger", "cNobody", "remote-start", `{"idTag":"T1"}`, http.StatusConflict, "not_connected"},
		{"disconnected OCPP charger", "cGone", "remote-start", `{"idTag":"T1"}`, http.StatusConflict, "not_connected"},
		{"disconnected OCPP charger stop", "cGone", "remote-stop", `{"transactionId":1}`, http.StatusConflict, "not_connected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var res remoteResult
			code := api(t, m, "POST", "/api/chargers/"+tt.charger+"/"+tt.path, tt.body, &res)
			if code != tt.want || res.Error.Code != tt.code {
				t.Errorf("got HTTP %d %q, want %d %q", code, res.Error.Code, tt.want, tt.code)
			}
		})
	}

	t.Run("OCPP charger that never answers", func(t *testing.T) {
		// The staff API waits 30 s (httpapi.remoteTimeout, not configurable)
		// before it answers 504 to a context.DeadlineExceeded; the mapping
		// itself is covered in adapters/httpapi. Here: the charger side
		// gives up at the caller's deadline with DeadlineExceeded.
		silent := dialOCPP(t, m, "cSilent", nil)
		silent.boot()
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		began := time.Now()
		_, err := m.Chargers.RemoteStart(ctx, "cSilent", "T1", 1)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want an error wrapping context.DeadlineExceeded (504)", err)
		}
		if took := time.Since(began); took > 3*time.Second {
			t.Errorf("gave up after %s, want about 300ms", took)
		}
		// The unanswered call went out; a late answer is dropped, and the
		// next call works.
		lateID, action, _ := silent.nextCall(2 * time.Second)
		if action != "RemoteStartTransaction" {
			t.Fatalf("got CALL %q, want RemoteStartTransaction", action)
		}
		silent.reply(lateID, `{"status":"Accepted"}`)

		done := make(chan struct{})
		var res remoteResult
		var code int
		go func() {
			defer close(done)
			code = apiNoFatal(m, "POST", "/api/chargers/cSilent/remote-start", `{"idTag":"T2"}`, &res)
		}()
		id, action, payload := silent.nextCall(5 * time.Second)
		if action != "RemoteStartTransaction" || !strings.Contains(string(payload), `"T2"`) {
			t.Fatalf("got CALL %s %s, want RemoteStartTransaction for T2", action, payload)
		}
		silent.reply(id, `{"status":"Rejected"}`)
		<-done
		if code != http.StatusOK || res.Response.Status != "Rejected" {
			t.Errorf("got HTTP %d %+v, want 200 with the charger's answer Rejected", code, res)
		}
	})
}

// apiNoFatal is api for goroutines other than the test's: it reports a
// transport error as status 0 instead of calling Fatal.
func apiNoFatal(m *Main, method, path, body string, out any) int {
	req, _ := http.NewRequest(method, "http://"+m.HTTPURL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_ = json.NewDecoder(resp.Body).Decode(out)
	return resp.StatusCode
}

func basicAuth(user, pass string) http.Header {
	return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}}
}

func writeAuthFile(tb testing.TB, passwords map[string]string) string {
	tb.Helper()
	hashes := map[string]string{}
	for id, pass := range passwords {
		h, err := bcrypt.GenerateFromPassword([]byte(pass), bcrypt.MinCost)
		if err != nil {
			tb.Fatal(err)
		}
		hashes[id] = string(h)
	}
	b, _ := json.Marshal(hashes)
	path := filepath.Join(tb.TempDir(), "charger-auth.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestChargerAuth(t *testing.T) {
	authFile := writeAuthFile(t, map[string]string{"cAuth": "s3cret", "cOther": "other-pass"})
	m := startMain(t, t.TempDir(), func(m *Main) { m.Config.ChargerAuth = authFile })

	seqBefore := lastSeq(t, m)
	checkFor(t, 5*time.Second, func() bool { return m.Board.Applied() >= seqBefore })
	countsBefore := m.Board.EventCounts()

	refused := []struct {
		name   string
		header http.Header
	}{
		{"no password", nil},
		{"wrong password", basicAuth("cAuth", "wrong")},
		{"empty password", basicAuth("cAuth", "")},
		{"wrong user", basicAuth("cOther", "other-pass")},
		{"unknown user", basicAuth("cNobody", "s3cret")},
		{"not basic", http.Header{"Authorization": {"Bearer s3cret"}}},
	}
	dialers := []struct {
		protocol string
		dial     func(http.Header) (*websocket.Conn, *http.Response, error)
	}{
		{"simple", func(h http.Header) (*websocket.Conn, *http.Response, error) {
			return websocket.DefaultDialer.Dial("ws://"+m.ChargerURL+"/chargers/cAuth", h)
		}},
		{"ocpp", func(h http.Header) (*websocket.Conn, *http.Response, error) { return dialOCPPRaw(m, "cAuth", h) }},
	}
	for _, d := range dialers {
		for _, tt := range refused {
			t.Run(d.protocol+"/"+tt.name, func(t *testing.T) {
				ws, resp, err := d.dial(tt.header)
				if err == nil {
					ws.Close()
					t.Fatal("connected, want HTTP 401 before the upgrade")
				}
				if resp == nil || resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("got %v (%+v), want HTTP 401", err, resp)
				}
				if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Basic") {
					t.Errorf("WWW-Authenticate: got %q, want a Basic challenge", got)
				}
			})
		}
	}
	if got := lastSeq(t, m); got != seqBefore {
		t.Errorf("stream sequence: got %d after refused chargers, want %d (nothing stored)", got, seqBefore)
	}
	if _, ok := m.Board.Charger("cAuth", time.Now()); ok {
		t.Errorf("the board knows cAuth after refused connections")
	}
	if got := m.Board.EventCounts(); !equalCounts(got, countsBefore) {
		t.Errorf("event counts: got %v, want %v", got, countsBefore)
	}

	t.Run("right password, simple", func(t *testing.T) {
		c := dial(t, "ws://"+m.ChargerURL+"/chargers/cAuth", basicAuth("cAuth", "s3cret"))
		c.send(reading("55"))
		checkFor(t, 5*time.Second, func() bool {
			ch, ok := m.Board.Charger("cAuth", time.Now())
			return ok && ch.SoC != nil && *ch.SoC == 55
		})
	})
	t.Run("right password, ocpp", func(t *testing.T) {
		o := dialOCPP(t, m, "cOther", basicAuth("cOther", "other-pass"))
		if conf := o.boot(); conf.Status != "Accepted" {
			t.Errorf("boot: got %q, want Accepted", conf.Status)
		}
		o.call("MeterValues", socMeterValues("81", time.Now().UTC().Format(time.RFC3339)), nil)
		checkFor(t, 5*time.Second, func() bool {
			ch, ok := m.Board.Charger("cOther", time.Now())
			return ok && ch.Status == "charging80"
		})
	})
}

func equalCounts(a, b map[string]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestOCPPBootPolicy(t *testing.T) {
	allow := filepath.Join(t.TempDir(), "allow.txt")
	if err := os.WriteFile(allow, []byte("# allowed chargers\nc1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := startMain(t, t.TempDir(), func(m *Main) {
		m.Config.ChargerAllow = allow
		m.Config.BootPolicy = "reject"
		m.Config.Heartbeat = 90 * time.Second
	})
	tests := []struct {
		id, want string
	}{
		{"c1", "Accepted"},
		{"c2", "Rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			c := dialOCPP(t, m, tt.id, nil)
			conf := c.boot()
			if conf.Status != tt.want {
				t.Errorf("boot: got %q, want %q", conf.Status, tt.want)
			}
			if conf.Interval == nil || *conf.Interval != 90 {
				t.Errorf("interval: got %v, want 90", conf.Interval)
			}
			if _, err := time.Parse(time.RFC3339, conf.CurrentTime); err != nil {
				t.Errorf("currentTime %q: %v", conf.CurrentTime, err)
			}
		})
	}
}

// TestOCPPBootNotAcceptedStoresNothing: a charger whose boot was Rejected
// (or is Pending) cannot start a transaction or report a reading; nothing
// but its boot is stored. An Accepted charger that reconnects without
// booting again is served.
func TestOCPPBootNotAcceptedStoresNothing(t *testing.T) {
	allow := filepath.Join(t.TempDir(), "allow.txt")
	if err := os.WriteFile(allow, []byte("c1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, policy := range []string{"reject", "pending"} {
		t.Run(policy, func(t *testing.T) {
			m := startMain(t, t.TempDir(), func(m *Main) {
				m.Config.ChargerAllow = allow
				m.Config.BootPolicy = policy
			})
			wantStatus := map[string]string{"reject": "Rejected", "pending": "Pending"}[policy]
			const id = "c2"
			c := dialOCPP(t, m, id, nil)
			refused := func(action, payload string) {
				t.Helper()
				elems := c.callFrame(action, payload)
				var code, desc string
				_ = json.Unmarshal(elems[2], &code)
				if len(elems) > 3 {
					_ = json.Unmarshal(elems[3], &desc)
				}
				if string(elems[0]) != "4" || code != "SecurityError" || !strings.Contains(desc, "BootNotification") {
					t.Errorf("%s: got %s, want CALLERROR SecurityError naming BootNotification", action, joinRaw(elems))
				}
			}
			refused("MeterValues", socMeterValues("50", "2026-07-01T12:00:00Z"))
			if got := c.boot().Status; got != wantStatus {
				t.Fatalf("boot: got %q, want %q", got, wantStatus)
			}
			refused("StartTransaction", `{"connectorId":1,"idTag":"TAG1","meterStart":0,"timestamp":"2026-07-01T12:00:00Z"}`)
			refused("MeterValues", socMeterValues("60", "2026-07-01T12:01:00Z"))
			refused("StatusNotification", `{"connectorId":1,"errorCode":"NoError","status":"Charging"}`)
			refused("StopTransaction", `{"transactionId":1,"meterStop":10,"timestamp":"2026-07-01T12:02:00Z"}`)
			refused("Heartbeat", `{}`)

			// c1 is served, after a reconnect too: then c2's events are in
			// the store if they ever were going to be.
			ok := dialOCPP(t, m, "c1", nil)
			if got := ok.boot().Status; got != "Accepted" {
				t.Fatalf("c1 boot: got %q, want Accepted", got)
			}
			ok.close()
			checkFor(t, 5*time.Second, func() bool {
				ch, _ := m.Board.Charger("c1", time.Now())
				return !ch.Online && ch.Meta != nil && ch.Meta.Status == "Accepted"
			})
			again := dialOCPP(t, m, "c1", nil)
			again.call("MeterValues", socMeterValues("70", "2026-07-01T12:03:00Z"), nil)
			checkFor(t, 5*time.Second, func() bool { ch, _ := m.Board.Charger("c1", time.Now()); return ch.SoC != nil })

			events, err := m.Store.Load(t.Context(), domain.ChargerKey(id), 0)
			if err != nil {
				t.Fatal(err)
			}
			var types []string
			for _, e := range events {
				switch e.Type {
				case domain.TypeChargerBooted, domain.TypeChargerConnected, domain.TypeChargerDisconnected:
				default:
					types = append(types, e.Type)
				}
			}
			if len(types) != 0 {
				t.Errorf("stored for %s: %v, want nothing but its boot and presence", id, types)
			}
			if ch, _ := m.Board.Charger(id, time.Now()); ch.SoC != nil || ch.SessionID != "" {
				t.Errorf("charger %s: got soc %v, session %q; want neither", id, ch.SoC, ch.SessionID)
			}
		})
	}
}
