package ocpp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
	"github.com/gorilla/websocket"
)

func TestParseConfiguration(t *testing.T) {
	many := func(n int, format string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, format, i)
		}
		return b.String()
	}
	tests := []struct {
		name    string
		in      string
		want    ocpp.Configuration
		wantErr string
	}{
		{name: "lines", in: "MeterValuesSampledData: SoC,Energy.Active.Import.Register\nMeterValueSampleInterval: 30\n",
			want: ocpp.Configuration{{"MeterValuesSampledData", "SoC,Energy.Active.Import.Register"}, {"MeterValueSampleInterval", "30"}}},
		{name: "comments, blanks, CRLF and quotes", in: "# booth\r\n\r\n  HeartbeatInterval :  300 \r\nAuthorizationKey: \"a: b\"\r\n",
			want: ocpp.Configuration{{"HeartbeatInterval", "300"}, {"AuthorizationKey", "a: b"}}},
		{name: "empty value", in: "LocalPreAuthorize:\n", want: ocpp.Configuration{{"LocalPreAuthorize", ""}}},
		{name: "value with a colon", in: "Url: ws://x:1/y\n", want: ocpp.Configuration{{"Url", "ws://x:1/y"}}},
		{name: "json in order", in: `{"MeterValuesSampledData":["SoC","Energy.Active.Import.Register"],"MeterValueSampleInterval":30,"StopTransactionOnEVSideDisconnect":true,"A":"x"}`,
			want: ocpp.Configuration{{"MeterValuesSampledData", "SoC,Energy.Active.Import.Register"}, {"MeterValueSampleInterval", "30"},
				{"StopTransactionOnEVSideDisconnect", "true"}, {"A", "x"}}},
		{name: "json number as written", in: ` {"X": 1.50} `, want: ocpp.Configuration{{"X", "1.50"}}},
		{name: "empty file", in: "", want: nil},
		{name: "empty json", in: "{}", want: nil},
		{name: "no colon", in: "HeartbeatInterval 300\n", wantErr: "line 1"},
		{name: "empty key", in: ": 300\n", wantErr: "empty key"},
		{name: "duplicate key", in: "A: 1\na: 2\n", wantErr: "twice"},
		{name: "json duplicate key", in: `{"A":"1","A":"2"}`, wantErr: "twice"},
		{name: "key too long", in: strings.Repeat("k", 51) + ": 1\n", wantErr: "longer than 50"},
		{name: "value too long", in: "A: " + strings.Repeat("v", 501) + "\n", wantErr: "longer than 500"},
		{name: "control character", in: "A: x\x07y\n", wantErr: "control"},
		{name: "json null", in: `{"A":null}`, wantErr: "want a string"},
		{name: "json object value", in: `{"A":{"b":1}}`, wantErr: "want a string"},
		{name: "json array of numbers", in: `{"A":[1,2]}`, wantErr: "strings only"},
		{name: "json trailing data", in: `{"A":"1"} {}`, wantErr: "after the object"},
		{name: "json broken", in: `{"A":`, wantErr: "configuration JSON"},
		{name: "bad quoted value", in: "A: \"x\\q\"\n", wantErr: "quoted"},
		{name: "not UTF-8", in: "A: \xff\n", wantErr: "UTF-8"},
		{name: "at the key limit", in: many(ocpp.MaxSettings, "K%d: 1\n"), want: nil},
		{name: "over the key limit", in: many(ocpp.MaxSettings+1, "K%d: 1\n"), wantErr: "more than"},
		{name: "json over the key limit", in: "{" + strings.TrimSuffix(many(ocpp.MaxSettings+1, `"K%d":"1",`), ",") + "}", wantErr: "more than"},
		{name: "over the size limit", in: "A: 1\n" + strings.Repeat("#", ocpp.MaxConfigFile), wantErr: "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ocpp.ParseConfiguration([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, %v; want an error with %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v", err)
			}
			if tt.name == "at the key limit" {
				if len(got) != ocpp.MaxSettings {
					t.Fatalf("got %d settings, want %d", len(got), ocpp.MaxSettings)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzParseConfiguration(f *testing.F) {
	for _, s := range []string{
		"MeterValuesSampledData: SoC,Energy.Active.Import.Register\nMeterValueSampleInterval: 30\n",
		`{"MeterValuesSampledData":["SoC","Energy.Active.Import.Register"],"MeterValueSampleInterval":30}`,
		"# c\nA: \"q\"\n", `{"A":true,"B":1e3}`, "A:\n", "{", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ocpp.ParseConfiguration(data)
		if err != nil {
			return
		}
		if len(got) > ocpp.MaxSettings {
			t.Fatalf("%d settings, over the limit", len(got))
		}
		seen := map[string]bool{}
		for _, s := range got {
			k := strings.ToLower(s.Key)
			if s.Key == "" || len([]rune(s.Key)) > 50 || len([]rune(s.Value)) > 500 || seen[k] {
				t.Fatalf("accepted a bad setting %q", s)
			}
			seen[k] = true
			// Every accepted setting is a valid ChangeConfiguration.
			key, value := s.Key, s.Value
			if err := ocpp.ValidatePayload(ocpp.ChangeConfigurationReq{Key: &key, Value: &value}); err != nil {
				t.Fatalf("setting %q is not a valid ChangeConfiguration: %v", s, err)
			}
		}
	})
}

func TestApplyConfiguration(t *testing.T) {
	want := ocpp.Configuration{
		{"MeterValuesSampledData", "SoC,Energy.Active.Import.Register"},
		{"MeterValueSampleInterval", "30"},
		{"HeartbeatInterval", "300"},
		{"ChargeProfileMaxStackLevel", "8"},
		{"Vendor.Unknown", "1"},
		{"ClockAlignedDataInterval", "0"},
	}
	reported := `{"configurationKey":[` +
		`{"key":"MeterValuesSampledData","readonly":false,"value":"Energy.Active.Import.Register"},` +
		`{"key":"metervaluesampleinterval","readonly":false,"value":"30"},` +
		`{"key":"HeartbeatInterval","readonly":false,"value":"60"},` +
		`{"key":"ChargeProfileMaxStackLevel","readonly":true,"value":"3"},` +
		`{"key":"ClockAlignedDataInterval","readonly":false,"value":"900"}],"unknownKey":["Vendor.Unknown"]}`
	ts := startServer(t, nil)
	ws, conn := ts.dial(t, "c1234")
	ch := newScriptedCharger(t, ws, map[string]string{ocpp.ActionGetConfiguration: reported})
	// The charger answers each ChangeConfiguration in turn.
	statuses := map[string]string{
		"MeterValuesSampledData": `{"status":"Accepted"}`, "HeartbeatInterval": `{"status":"RebootRequired"}`,
		"Vendor.Unknown": `{"status":"NotSupported"}`, "ClockAlignedDataInterval": "!InternalError",
	}
	ch.mu.Lock()
	ch.per[ocpp.ActionChangeConfiguration] = func(p json.RawMessage) string {
		var req struct{ Key string }
		_ = json.Unmarshal(p, &req)
		return statuses[req.Key]
	}
	ch.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := ocpp.ApplyConfiguration(ctx, conn, want, 2*time.Second)
	wantRes := []ocpp.SettingResult{
		{Key: "MeterValuesSampledData", Want: "SoC,Energy.Active.Import.Register", Had: "Energy.Active.Import.Register", Reported: true, Status: "Accepted"},
		{Key: "MeterValueSampleInterval", Want: "30", Had: "30", Reported: true, Status: ocpp.SettingUnchanged},
		{Key: "HeartbeatInterval", Want: "300", Had: "60", Reported: true, Status: "RebootRequired"},
		{Key: "ChargeProfileMaxStackLevel", Want: "8", Had: "3", Reported: true, Status: ocpp.SettingReadOnly},
		{Key: "Vendor.Unknown", Want: "1", Status: "NotSupported"},
		{Key: "ClockAlignedDataInterval", Want: "0", Had: "900", Reported: true, Status: ocpp.SettingFailed, Error: "ocpp InternalError: scripted refusal"},
	}
	if !reflect.DeepEqual(got, wantRes) {
		t.Fatalf("got\n%+v\nwant\n%+v", got, wantRes)
	}
	// One GetConfiguration for every key first, then only the changes.
	calls := ch.received()
	var actions []string
	for _, c := range calls {
		actions = append(actions, c.Action)
	}
	if wantActions := []string{"GetConfiguration", "ChangeConfiguration", "ChangeConfiguration", "ChangeConfiguration", "ChangeConfiguration"}; !reflect.DeepEqual(actions, wantActions) {
		t.Fatalf("charger got %v, want %v", actions, wantActions)
	}
	if !jsonEqual(calls[0].Payload, `{"key":["MeterValuesSampledData","MeterValueSampleInterval","HeartbeatInterval","ChargeProfileMaxStackLevel","Vendor.Unknown","ClockAlignedDataInterval"]}`) {
		t.Errorf("GetConfiguration payload %s", calls[0].Payload)
	}
}

func TestApplyConfigurationWithoutGetConfiguration(t *testing.T) {
	ts := startServer(t, nil)
	ws, conn := ts.dial(t, "c1234")
	ch := newScriptedCharger(t, ws, map[string]string{
		ocpp.ActionGetConfiguration:    "!NotSupported",
		ocpp.ActionChangeConfiguration: `{"status":"Accepted"}`,
	})
	got := ocpp.ApplyConfiguration(context.Background(), conn, ocpp.Configuration{{"A", "1"}, {"B", "2"}}, 2*time.Second)
	if len(got) != 2 || got[0].Status != "Accepted" || got[1].Status != "Accepted" || got[0].Reported {
		t.Fatalf("got %+v, want both sent and Accepted", got)
	}
	if n := len(ch.received()); n != 3 {
		t.Errorf("charger got %d calls, want 3", n)
	}
}

func TestSameSetting(t *testing.T) {
	tests := []struct {
		have, want string
		same       bool
	}{
		{"SoC,Energy.Active.Import.Register", "SoC, Energy.Active.Import.Register", true},
		{"true", "True", true},
		{"30", "30", true},
		{"30", "60", false},
		{"SoC", "SoC,Energy.Active.Import.Register", false},
		{"", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.have+"|"+tt.want, func(t *testing.T) {
			if got := ocpp.SameSetting(tt.have, tt.want); got != tt.same {
				t.Fatalf("got %v, want %v", got, tt.same)
			}
		})
	}
}

func TestBootedRunsAfterTheBootAnswer(t *testing.T) {
	booted := make(chan *ocpp.Conn, 2)
	ts := startServer(t, func(cfg *ocpp.ConnConfig) {
		cfg.Booted = func(ctx context.Context, c *ocpp.Conn) {
			var conf ocpp.GetConfigurationConf
			_ = c.Call(ctx, ocpp.ActionGetConfiguration, ocpp.GetConfigurationReq{Key: []string{"HeartbeatInterval"}}, &conf)
			booted <- c
		}
	})
	ws, _ := ts.dial(t, "c1234")
	frames := chargerFrames(t, ws)
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`[2,"b1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]`)); err != nil {
		t.Fatal(err)
	}
	first := nextFrame(t, frames)
	if first[0] != float64(3) || first[1] != "b1" {
		t.Fatalf("first frame %v, want the BootNotification CALLRESULT", first)
	}
	second := nextFrame(t, frames)
	if second[0] != float64(2) || second[2] != ocpp.ActionGetConfiguration {
		t.Fatalf("second frame %v, want GetConfiguration", second)
	}
	_ = ws.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf(`[3,%q,{"configurationKey":[]}]`, second[1])))
	select {
	case <-booted:
	case <-time.After(5 * time.Second):
		t.Fatal("Booted did not finish")
	}
}

func TestBootedNotRunWhenNotAccepted(t *testing.T) {
	called := make(chan struct{}, 1)
	ts := startServer(t, func(cfg *ocpp.ConnConfig) {
		cfg.Booted = func(context.Context, *ocpp.Conn) { called <- struct{}{} }
	})
	ts.backend.bootDecision = ocpp.BootPending
	ws, _ := ts.dial(t, "c1234")
	got := roundTrip(t, ws, `[2,"b1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]`)
	if p, _ := got[2].(map[string]any); p["status"] != "Pending" {
		t.Fatalf("got %v, want Pending", got)
	}
	// The next answer comes after Booted would have been started.
	roundTrip(t, ws, `[2,"b2","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]`)
	select {
	case <-called:
		t.Fatal("Booted ran for a Pending boot")
	default:
	}
}

func TestCallJournalRefusalSendsNothing(t *testing.T) {
	j := &journal{failErr: errors.New("store down")}
	ts := startServer(t, func(cfg *ocpp.ConnConfig) { cfg.Journal = j })
	ws, conn := ts.dial(t, "c1234")
	_, err := conn.CallRaw(context.Background(), ocpp.ActionReset, json.RawMessage(`{"type":"Soft"}`))
	if err == nil || !strings.Contains(err.Error(), "store down") {
		t.Fatalf("got %v, want the journal's error", err)
	}
	// The next frame is the answer to a CALL of the charger's own: the
	// reset never went out.
	if got := roundTrip(t, ws, `[2,"h1","Heartbeat",{}]`); got[0] != float64(3) || got[1] != "h1" {
		t.Fatalf("got %v, want the Heartbeat's CALLRESULT", got)
	}
}

func TestCallRawUnknownAction(t *testing.T) {
	ts := startServer(t, nil)
	_, conn := ts.dial(t, "c1234")
	for _, action := range []string{"BootNotification", "Heartbeat", "UpdateFirmware", ""} {
		t.Run(action, func(t *testing.T) {
			if _, err := conn.CallRaw(context.Background(), action, json.RawMessage(`{}`)); !errors.Is(err, ocpp.ErrUnknownAction) {
				t.Fatalf("got %v, want ErrUnknownAction", err)
			}
		})
	}
}

func TestActions16(t *testing.T) {
	want := []string{"ChangeAvailability", "ChangeConfiguration", "ClearCache", "DataTransfer", "GetConfiguration",
		"GetLocalListVersion", "RemoteStartTransaction", "RemoteStopTransaction", "Reset", "SendLocalList", "TriggerMessage", "UnlockConnector"}
	if got := ocpp.Actions16.Names(); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if ocpp.ActionsFor("ocpp1.6") != ocpp.Actions16 || ocpp.ActionsFor("ocpp2.0.1") != nil {
		t.Fatal("ActionsFor: want Actions16 for ocpp1.6 only")
	}
}

// FuzzCheckRequest feeds API bodies to every action's request check: it
// never panics, and what it accepts is one JSON object.
func FuzzCheckRequest(f *testing.F) {
	for _, s := range []string{`{"type":"Soft"}`, `{"connectorId":1,"type":"Inoperative"}`, `{"key":["A"]}`,
		`{"key":"A","value":"1"}`, `{}`, `{"requestedMessage":"MeterValues","connectorId":1}`,
		`{"listVersion":1,"updateType":"Full","localAuthorizationList":[{"idTag":"T","idTagInfo":{"status":"Accepted"}}]}`,
		`{"vendorId":"v","data":"x"}`, `[]`, `{"a":1}{}`, `{} }`, ``} {
		f.Add(s)
	}
	names := ocpp.Actions16.Names()
	f.Fuzz(func(t *testing.T, body string) {
		for _, name := range names {
			a, _ := ocpp.Actions16.Lookup(name)
			err := a.CheckRequest(json.RawMessage(body))
			if err == nil && strings.TrimSpace(body) != "" {
				var obj map[string]any
				if json.Unmarshal([]byte(body), &obj) != nil {
					t.Fatalf("%s accepted %q, not a JSON object", name, body)
				}
			}
			var ce *ocpp.CallError
			if err != nil && !errors.As(err, &ce) {
				t.Fatalf("%s: error %v is not a *CallError", name, err)
			}
		}
	})
}
