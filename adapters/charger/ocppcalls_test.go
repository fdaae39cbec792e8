package charger_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/charger"
	"github.com/chargebooth/chargebooth/adapters/ocpp"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore/estest"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/gorilla/websocket"
	"github.com/oklog/ulid/v2"
)

// callEdge is the charger edge over a real embedded store, taking frames
// up to readLimit, with an OCPP charger connected and booted.
func callEdge(t *testing.T, readLimit int64, conf ocpp.Configuration) (*charger.Server, domain.EventStore, *websocket.Conn) {
	t.Helper()
	_, store, _ := estest.Start(t)
	svc := domain.NewService(store, time.Now, func() string { return ulid.Make().String() }, domain.DefaultTariff)
	s := charger.New(charger.Config{Service: svc, Instance: "t", Epoch: "e", ReadLimit: readLimit,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	s.EnableOCPP(charger.OCPPConfig{HeartbeatInterval: time.Minute, Configuration: conf, ConfigCallTimeout: 2 * time.Second})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { s.Close(); srv.Close() })
	d := websocket.Dialer{Subprotocols: []string{"ocpp1.6"}}
	ws, _, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/chargers/c1", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`[2,"b","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]`)); err != nil {
		t.Fatal(err)
	}
	if f := readCall(t, ws); f[0] != "3" {
		t.Fatalf("boot: got %v, want a CALLRESULT", f)
	}
	return s, store, ws
}

// readCall reads one frame as its raw elements, unquoting strings.
func readCall(t *testing.T, ws *websocket.Conn) []string {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, b, err := ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(b, &elems); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		var s string
		if json.Unmarshal(e, &s) != nil {
			s = string(e)
		}
		out[i] = s
	}
	return out
}

// ocppEvents loads the charger's ocpp.* events.
func ocppEvents(t *testing.T, store domain.EventStore) []domain.Event {
	t.Helper()
	all, err := store.Load(context.Background(), domain.ChargerKey("c1"), 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []domain.Event
	for _, e := range all {
		if strings.HasPrefix(e.Type, "ocpp.") {
			out = append(out, e)
		}
	}
	return out
}

func TestCallRecordsTheCallAndItsAnswer(t *testing.T) {
	s, store, ws := callEdge(t, 1<<20, nil)
	ctx := domain.WithActor(context.Background(), domain.Actor{ID: "ops1", Name: "Olga", Role: "ops"})
	big := strings.Repeat("v", 400)
	keys := make([]string, 0, 200)
	for i := range 200 {
		keys = append(keys, fmt.Sprintf(`{"key":"K%d","readonly":false,"value":%q}`, i, big))
	}
	tests := []struct {
		name, action, req, answer string
		wantBytes                 bool
	}{
		{"kept", "Reset", `{"type":"Soft"}`, `{"status":"Accepted"}`, false},
		{"over 64 KiB kept as its size", "GetConfiguration", `{}`, `{"configurationKey":[` + strings.Join(keys, ",") + `]}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(ocppEvents(t, store))
			done := make(chan error, 1)
			var got json.RawMessage
			go func() {
				var err error
				got, err = s.Call(ctx, "c1", tt.action, json.RawMessage(tt.req))
				done <- err
			}()
			f := readCall(t, ws)
			if f[2] != tt.action || f[3] != tt.req {
				t.Fatalf("charger got %v, want %s %s", f, tt.action, tt.req)
			}
			if err := ws.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf(`[3,%q,%s]`, f[1], tt.answer))); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil || string(got) != tt.answer {
				t.Fatalf("Call: got %.80s, %v", got, err)
			}
			evs := ocppEvents(t, store)[before:]
			if len(evs) != 2 {
				t.Fatalf("got %d events, want the call and its answer", len(evs))
			}
			sent, ok := evs[0].Data.(domain.OCPPCallSent)
			if !ok || sent.UniqueID != f[1] || sent.Origin != domain.OriginAPI || string(sent.Payload) != tt.req {
				t.Errorf("call_sent: got %+v", evs[0].Data)
			}
			if a := evs[0].Actor; a == nil || a.ID != "ops1" || evs[1].Actor == nil {
				t.Errorf("actor: got %+v, %+v; want ops1 on both", evs[0].Actor, evs[1].Actor)
			}
			ans, ok := evs[1].Data.(domain.OCPPCallAnswered)
			switch {
			case !ok || ans.UniqueID != f[1]:
				t.Errorf("call_answered: got %+v", evs[1].Data)
			case tt.wantBytes && (ans.Result != nil || ans.ResultBytes != len(tt.answer)):
				t.Errorf("large answer: got result %d bytes, resultBytes %d; want none and %d", len(ans.Result), ans.ResultBytes, len(tt.answer))
			case !tt.wantBytes && string(ans.Result) != tt.answer:
				t.Errorf("answer: got %s, want %s", ans.Result, tt.answer)
			}
		})
	}
}

func TestCallTimedOutIsRecorded(t *testing.T) {
	s, store, ws := callEdge(t, 0, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := s.Call(ctx, "c1", "ClearCache", nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a deadline", err)
	}
	readCall(t, ws) // the call went out
	testkit.CheckFor(t, 5*time.Second, func() error {
		evs := ocppEvents(t, store)
		if len(evs) != 2 || evs[1].Type != domain.TypeOCPPCallTimedOut {
			return fmt.Errorf("got %d events, want call_sent and call_timed_out", len(evs))
		}
		return nil
	})
}

func TestBootConfigurationRecorded(t *testing.T) {
	conf := ocpp.Configuration{{Key: "MeterValueSampleInterval", Value: "30"}}
	_, store, ws := callEdge(t, 0, conf)
	f := readCall(t, ws)
	if f[2] != "GetConfiguration" {
		t.Fatalf("got %v, want GetConfiguration", f)
	}
	_ = ws.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf(`[3,%q,{"configurationKey":[{"key":"MeterValueSampleInterval","readonly":false,"value":"60"}]}]`, f[1])))
	f = readCall(t, ws)
	if f[2] != "ChangeConfiguration" || f[3] != `{"key":"MeterValueSampleInterval","value":"30"}` {
		t.Fatalf("got %v, want ChangeConfiguration to 30", f)
	}
	_ = ws.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf(`[4,%q,"NotSupported","",{}]`, f[1])))
	testkit.CheckFor(t, 5*time.Second, func() error {
		evs := ocppEvents(t, store)
		if len(evs) != 5 {
			return fmt.Errorf("got %d events, want 5", len(evs))
		}
		if o := evs[0].Data.(domain.OCPPCallSent).Origin; o != domain.OriginBootConfig {
			return fmt.Errorf("origin %q, want boot-config", o)
		}
		res, ok := evs[4].Data.(domain.OCPPConfigurationApplied)
		if !ok || len(res.Results) != 1 || res.Results[0].Status != ocpp.SettingFailed || res.Results[0].Had != "60" {
			return fmt.Errorf("last event %+v, want the failed setting", evs[4].Data)
		}
		return nil
	})
}
