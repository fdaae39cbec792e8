package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
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
)

// dialOCPPAt connects a hand-written OCPP charger to the charger endpoint
// at addr (host:port).
func dialOCPPAt(tb testing.TB, addr, id string) *ocppCharger {
	tb.Helper()
	d := *websocket.DefaultDialer
	d.Subprotocols = []string{"ocpp1.6"}
	ws, _, err := d.Dial("ws://"+addr+"/chargers/"+id, nil)
	if err != nil {
		tb.Fatalf("dial OCPP %s: %v", id, err)
	}
	c := &ocppCharger{tb: tb, ws: ws, prefix: rand.Text()[:8],
		answers: make(chan []json.RawMessage, 100), calls: make(chan []json.RawMessage, 100), closed: make(chan struct{})}
	go c.read()
	tb.Cleanup(func() { ws.Close() })
	return c
}

// timelineEvent is one event of GET /api/chargers/{id}/timeline.
type timelineEvent struct {
	Type  string          `json:"type"`
	Actor *domain.Actor   `json:"actor"`
	Data  json.RawMessage `json:"data"`
}

func chargerTimeline(tb testing.TB, base, id string) []timelineEvent {
	tb.Helper()
	var out struct {
		Timeline []timelineEvent `json:"timeline"`
	}
	if code := apiAt(tb, base, "GET", "/api/chargers/"+id+"/timeline", "", &out); code != http.StatusOK {
		tb.Fatalf("timeline of %s: HTTP %d", id, code)
	}
	return out.Timeline
}

// TestOCPPConfigAppliedOnBoot is must-show 2 of issue 15, against the
// real binary: with --ocpp-config asking for SoC beside the energy
// register, a charger that reports Energy.Active.Import.Register only is
// sent ChangeConfiguration after its boot, and the result is on its
// timeline and in replay.
func TestOCPPConfigAppliedOnBoot(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "booth-ocpp.conf")
	testkit.WriteFile(t, conf, []byte("# what the booth needs\nMeterValuesSampledData: SoC,Energy.Active.Import.Register\nMeterValueSampleInterval: 30\n"))
	bin := buildBinary(t)
	p := startProcBin(t, bin, filepath.Join(dir, "data"), "--ocpp-config", conf)
	base := "http://" + p.http

	c := dialOCPPAt(t, p.charger, "cBooth")
	if got := c.boot(); got.Status != "Accepted" {
		t.Fatalf("boot: got %q, want Accepted", got.Status)
	}
	id, action, payload := c.nextCall(5 * time.Second)
	if action != "GetConfiguration" || string(payload) != `{"key":["MeterValuesSampledData","MeterValueSampleInterval"]}` {
		t.Fatalf("after boot got %s %s, want GetConfiguration for the two keys", action, payload)
	}
	c.reply(id, `{"configurationKey":[`+
		`{"key":"MeterValuesSampledData","readonly":false,"value":"Energy.Active.Import.Register"},`+
		`{"key":"MeterValueSampleInterval","readonly":false,"value":"30"}]}`)
	id, action, payload = c.nextCall(5 * time.Second)
	if action != "ChangeConfiguration" || string(payload) != `{"key":"MeterValuesSampledData","value":"SoC,Energy.Active.Import.Register"}` {
		t.Fatalf("got %s %s, want ChangeConfiguration of MeterValuesSampledData", action, payload)
	}
	c.reply(id, `{"status":"Accepted"}`)

	// The result is on the charger's timeline: the calls, their answers and
	// one configuration_applied with each key's outcome.
	var applied domain.OCPPConfigurationApplied
	testkit.CheckFor(t, 5*time.Second, func() error {
		for _, e := range chargerTimeline(t, base, "cBooth") {
			if e.Type == domain.TypeOCPPConfigurationDone {
				return json.Unmarshal(e.Data, &applied)
			}
		}
		return fmt.Errorf("no %s on the timeline", domain.TypeOCPPConfigurationDone)
	})
	want := []domain.OCPPSettingResult{
		{Key: "MeterValuesSampledData", Want: "SoC,Energy.Active.Import.Register", Had: "Energy.Active.Import.Register", Reported: true, Status: "Accepted"},
		{Key: "MeterValueSampleInterval", Want: "30", Had: "30", Reported: true, Status: "Unchanged"},
	}
	if got, _ := json.Marshal(applied.Results); string(got) != testkit.MustJSON(t, want) {
		t.Errorf("results: got %s, want %s", got, testkit.MustJSON(t, want))
	}
	var types []string
	for _, e := range chargerTimeline(t, base, "cBooth") {
		types = append(types, e.Type)
	}
	wantTypes := []string{domain.TypeOCPPCallSent, domain.TypeOCPPCallAnswered, domain.TypeOCPPCallSent, domain.TypeOCPPCallAnswered, domain.TypeOCPPConfigurationDone}
	if strings.Join(types, " ") != strings.Join(wantTypes, " ") {
		t.Errorf("timeline: got %v, want %v", types, wantTypes)
	}
	// No further call: the interval was already right.
	select {
	case elems := <-c.calls:
		t.Errorf("unexpected CALL %s", joinRaw(elems))
	default:
	}

	out, err := exec.Command(bin, "replay", "--charger", "cBooth", "--data-dir", filepath.Join(dir, "data")).CombinedOutput()
	if err != nil {
		t.Fatalf("replay: %v\n%s", err, out)
	}
	for _, s := range []string{
		`OCPP ChangeConfiguration sent {"key":"MeterValuesSampledData","value":"SoC,Energy.Active.Import.Register"}`,
		`OCPP ChangeConfiguration answered {"status":"Accepted"}`,
		`from boot-config`,
		`OCPP configuration: MeterValuesSampledData="SoC,Energy.Active.Import.Register" Accepted; MeterValueSampleInterval="30" Unchanged`,
	} {
		if !strings.Contains(string(out), s) {
			t.Errorf("replay lacks %q:\n%s", s, out)
		}
	}
}

func TestOCPPConfigFileRefused(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.conf")
	testkit.WriteFile(t, bad, []byte("MeterValueSampleInterval 30\n"))
	out := &testkit.SyncBuffer{}
	m := &Main{Stdout: out, Stderr: out}
	if err := m.ParseFlags([]string{"--data-dir", filepath.Join(dir, "data"), "--nats-listen", "127.0.0.1:-1",
		"--charger-addr", "127.0.0.1:0", "--widget-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--staff-token", testToken, "--ocpp-config", bad}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := m.Run(ctx)
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "--ocpp-config") || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("got %v, want the --ocpp-config line refused", err)
	}
	if _, err := os.Stat(bad); err != nil {
		t.Fatal(err)
	}
}

// callCase is one server-initiated call driven through the staff API and
// what the hand-written charger answers.
type callCase struct {
	action, body, answer string
}

// TestOCPPCallsThroughAPI drives every server-initiated action through
// POST /api/chargers/{id}/ocpp/{action} to a charger and checks the answer,
// the refusals, and that every call is on the charger's timeline.
func TestOCPPCallsThroughAPI(t *testing.T) {
	m := startMain(t, t.TempDir(), func(m *Main) { m.Config.RemoteTimeout = 2 * time.Second })
	base := "http://" + m.HTTPURL
	c := dialOCPP(t, m, "cOps", nil)
	c.boot()

	cases := []callCase{
		{"Reset", `{"type":"Hard"}`, `{"status":"Accepted"}`},
		{"ChangeAvailability", `{"connectorId":0,"type":"Inoperative"}`, `{"status":"Scheduled"}`},
		{"GetConfiguration", `{"key":["HeartbeatInterval"]}`, `{"configurationKey":[{"key":"HeartbeatInterval","readonly":false,"value":"300"}]}`},
		{"ChangeConfiguration", `{"key":"HeartbeatInterval","value":"60"}`, `{"status":"RebootRequired"}`},
		{"ClearCache", ``, `{"status":"Accepted"}`},
		{"UnlockConnector", `{"connectorId":1}`, `{"status":"UnlockFailed"}`},
		{"TriggerMessage", `{"requestedMessage":"MeterValues","connectorId":1}`, `{"status":"Accepted"}`},
		{"DataTransfer", `{"vendorId":"org.chargebooth","data":"x"}`, `{"status":"Accepted","data":"y"}`},
		{"GetLocalListVersion", `{}`, `{"listVersion":0}`},
		{"SendLocalList", `{"listVersion":1,"updateType":"Full","localAuthorizationList":[{"idTag":"T1","idTagInfo":{"status":"Accepted"}}]}`, `{"status":"Accepted"}`},
		{"RemoteStopTransaction", `{"transactionId":9}`, `{"status":"Rejected"}`},
	}
	for _, tc := range cases {
		t.Run(tc.action, func(t *testing.T) {
			code, body := callVia(t, c, base, "cOps", tc)
			var out struct {
				Action string          `json:"action"`
				Result json.RawMessage `json:"result"`
			}
			if err := json.Unmarshal(body, &out); err != nil || code != http.StatusOK || out.Action != tc.action || string(out.Result) != tc.answer {
				t.Fatalf("got HTTP %d %s, want 200 with %s", code, body, tc.answer)
			}
		})
	}

	t.Run("CALLERROR is 502 with the OCPP error", func(t *testing.T) {
		code, body := callVia(t, c, base, "cOps", callCase{"Reset", `{"type":"Soft"}`, "!NotSupported"})
		var out struct {
			Error struct{ Code, OCPPErrorCode, OCPPErrorDescription string } `json:"error"`
		}
		_ = json.Unmarshal(body, &out)
		if code != http.StatusBadGateway || out.Error.Code != "ocpp_call_error" || out.Error.OCPPErrorCode != "NotSupported" ||
			out.Error.OCPPErrorDescription != "not on this model" {
			t.Fatalf("got HTTP %d %s, want 502 ocpp_call_error NotSupported", code, body)
		}
	})

	t.Run("silent charger is 504", func(t *testing.T) {
		code, body := callVia(t, c, base, "cOps", callCase{"ClearCache", `{}`, ""})
		if code != http.StatusGatewayTimeout || !strings.Contains(string(body), `"timeout"`) {
			t.Fatalf("got HTTP %d %s, want 504 timeout", code, body)
		}
	})

	t.Run("refused before sending", func(t *testing.T) {
		simple := dialCharger(t, m, "cSimple")
		simple.send(reading("10"))
		checkFor(t, 5*time.Second, func() bool { ch, _ := m.Board.Charger("cSimple", time.Now()); return ch.Online })
		tests := []struct {
			name, charger, action, body string
			want                        int
			code                        string
		}{
			{"schema violation", "cOps", "Reset", `{"type":"Warm"}`, 400, "invalid_ocpp_payload"},
			{"unknown action", "cOps", "Explode", `{}`, 404, "unknown_action"},
			{"simple charger", "cSimple", "Reset", `{"type":"Soft"}`, 409, "not_ocpp"},
			{"nobody", "cNobody", "Reset", `{"type":"Soft"}`, 409, "not_connected"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var out struct {
					Error struct{ Code string } `json:"error"`
				}
				if code := apiAt(t, base, "POST", "/api/chargers/"+tt.charger+"/ocpp/"+tt.action, tt.body, &out); code != tt.want || out.Error.Code != tt.code {
					t.Errorf("got HTTP %d %q, want %d %q", code, out.Error.Code, tt.want, tt.code)
				}
			})
		}
		select {
		case elems := <-c.calls:
			t.Errorf("a refused call reached the charger: %s", joinRaw(elems))
		default:
		}
	})

	// Every call and its outcome is on the timeline, in order.
	var got []string
	testkit.CheckFor(t, 5*time.Second, func() error {
		got = got[:0]
		for _, e := range chargerTimeline(t, base, "cOps") {
			var d struct{ Action, ErrorCode string }
			_ = json.Unmarshal(e.Data, &d)
			got = append(got, strings.TrimPrefix(e.Type, "ocpp.")+" "+d.Action+d.ErrorCode)
		}
		if n := 2 * (len(cases) + 2); len(got) != n {
			return fmt.Errorf("%d events, want %d", len(got), n)
		}
		return nil
	})
	var want []string
	for _, tc := range cases {
		want = append(want, "call_sent "+tc.action, "call_answered "+tc.action)
	}
	want = append(want, "call_sent Reset", "call_answered ResetNotSupported", "call_sent ClearCache", "call_timed_out ClearCache")
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("timeline:\n got %v\nwant %v", got, want)
	}

	// The metrics count them by action and outcome.
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	scraped, _ := io.ReadAll(resp.Body)
	for _, line := range []string{
		`chargebooth_ocpp_calls_total{action="ClearCache",outcome="answered"} 1`,
		`chargebooth_ocpp_calls_total{action="ClearCache",outcome="timeout"} 1`,
		`chargebooth_ocpp_calls_total{action="Reset",outcome="call_error"} 1`,
	} {
		if !strings.Contains(string(scraped), line) {
			t.Errorf("/metrics lacks %s", line)
		}
	}
}

// callVia posts one call to the API while the charger answers it with
// tc.answer ("!Code" for a CALLERROR, "" for silence); it returns the
// HTTP status and body.
func callVia(t *testing.T, c *ocppCharger, base, id string, tc callCase) (int, []byte) {
	t.Helper()
	type result struct {
		code int
		body []byte
	}
	done := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("POST", base+"/api/chargers/"+id+"/ocpp/"+tc.action, strings.NewReader(tc.body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		done <- result{resp.StatusCode, b}
	}()
	uid, action, payload := c.nextCall(5 * time.Second)
	wantPayload := tc.body
	if wantPayload == "" {
		wantPayload = "{}"
	}
	if action != tc.action || string(payload) != wantPayload {
		t.Fatalf("charger got %s %s, want %s %s", action, payload, tc.action, wantPayload)
	}
	switch {
	case strings.HasPrefix(tc.answer, "!"):
		frame := fmt.Sprintf(`[4,%q,%q,"not on this model",{}]`, uid, tc.answer[1:])
		if err := c.ws.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
			t.Fatal(err)
		}
	case tc.answer != "":
		c.reply(uid, tc.answer)
	}
	select {
	case r := <-done:
		return r.code, r.body
	case <-time.After(10 * time.Second):
		t.Fatal("no HTTP answer")
	}
	return 0, nil
}

// interopCalls is every server-initiated action the interop test drives
// through the API to the strict ocpp-rpc client, and the answer its
// handlers give (test/ocpp-interop/interop.mjs).
var interopCalls = []callCase{
	{"Reset", `{"type":"Soft"}`, `{"status":"Accepted"}`},
	{"ChangeAvailability", `{"connectorId":1,"type":"Inoperative"}`, `{"status":"Scheduled"}`},
	{"GetConfiguration", `{"key":["HeartbeatInterval","Nope"]}`, `{"configurationKey":[{"key":"HeartbeatInterval","readonly":false,"value":"42"}],"unknownKey":["Nope"]}`},
	{"ChangeConfiguration", `{"key":"HeartbeatInterval","value":"60"}`, `{"status":"RebootRequired"}`},
	{"ClearCache", `{}`, `{"status":"Accepted"}`},
	{"UnlockConnector", `{"connectorId":1}`, `{"status":"Unlocked"}`},
	{"TriggerMessage", `{"requestedMessage":"StatusNotification","connectorId":1}`, `{"status":"Accepted"}`},
	{"DataTransfer", `{"vendorId":"org.chargebooth","messageId":"ping","data":"hi"}`, `{"status":"Accepted","data":"echo:hi"}`},
	{"GetLocalListVersion", `{}`, `{"listVersion":3}`},
	{"SendLocalList", `{"listVersion":4,"updateType":"Full","localAuthorizationList":[{"idTag":"interop","idTagInfo":{"status":"Accepted","expiryDate":"2030-01-01T00:00:00.000Z"}}]}`, `{"status":"Accepted"}`},
}

// interopExpectCalls is the EXPECT_CALLS of the interop script.
func interopExpectCalls() string {
	names := make([]string, len(interopCalls))
	for i, c := range interopCalls {
		names[i] = c.action
	}
	return strings.Join(names, ",")
}

// driveInteropCalls sends every interop call through the staff API and
// checks the strict client's answers; a request breaking the schema is
// refused before it reaches the client.
func driveInteropCalls(t *testing.T, m *Main, chargerID string) {
	t.Helper()
	for _, tc := range interopCalls {
		var out struct {
			Result json.RawMessage `json:"result"`
		}
		code := api(t, m, "POST", "/api/chargers/"+chargerID+"/ocpp/"+tc.action, tc.body, &out)
		if code != http.StatusOK || string(out.Result) != tc.answer {
			t.Errorf("%s through the API: got HTTP %d %s, want 200 with %s", tc.action, code, out.Result, tc.answer)
		}
	}
	if code := api(t, m, "POST", "/api/chargers/"+chargerID+"/ocpp/Reset", `{"type":"Warm"}`, nil); code != http.StatusBadRequest {
		t.Errorf("invalid Reset: got HTTP %d, want 400", code)
	}
}

// TestOCPPCallReachesTheHoldingInstance: a call made on one instance's API
// reaches the charger held by another, and the answer, the CALLERROR and
// the timeline come back as on one instance.
func TestOCPPCallReachesTheHoldingInstance(t *testing.T) {
	a, b := twoInstances(t)
	c := dialOCPP(t, a, "cHeld", nil)
	c.boot()
	checkFor(t, 5*time.Second, func() bool { ch, _ := b.Board.Charger("cHeld", time.Now()); return ch.Online })
	baseB := "http://" + b.HTTPURL

	code, body := callVia(t, c, baseB, "cHeld", callCase{"UnlockConnector", `{"connectorId":2}`, `{"status":"Unlocked"}`})
	if code != http.StatusOK || !strings.Contains(string(body), `"result":{"status":"Unlocked"}`) {
		t.Fatalf("through instance b: got HTTP %d %s, want 200 Unlocked", code, body)
	}
	code, body = callVia(t, c, baseB, "cHeld", callCase{"Reset", `{"type":"Soft"}`, "!InternalError"})
	if code != http.StatusBadGateway || !strings.Contains(string(body), `"ocppErrorCode":"InternalError"`) {
		t.Fatalf("CALLERROR through instance b: got HTTP %d %s, want 502 with the OCPP code", code, body)
	}
	// Both instances' timelines show the calls, recorded by the holder.
	for _, m := range []*Main{a, b} {
		testkit.CheckFor(t, 5*time.Second, func() error {
			tl := chargerTimeline(t, "http://"+m.HTTPURL, "cHeld")
			if len(tl) != 4 {
				return fmt.Errorf("%d events on %s's timeline, want 4", len(tl), m.Config.Instance)
			}
			var sent domain.OCPPCallSent
			if err := json.Unmarshal(tl[0].Data, &sent); err != nil || sent.Action != "UnlockConnector" || sent.Origin != domain.OriginAPI {
				return fmt.Errorf("first event %s %s, want UnlockConnector from the API", tl[0].Type, tl[0].Data)
			}
			return nil
		})
	}
}
