package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/adapters/ocpp"
	"github.com/chargebooth/chargebooth/domain"
)

// caller is an OCPPCaller answering as told: the charger's result, or an
// error; "block" waits for the caller's deadline, as a silent charger.
type caller struct {
	mu     sync.Mutex
	result string
	err    error
	block  bool
	got    []string // "charger action payload"
}

func (c *caller) set(result string, err error, block bool) {
	c.mu.Lock()
	c.result, c.err, c.block = result, err, block
	c.mu.Unlock()
}

func (c *caller) Call(ctx context.Context, chargerID, action string, payload json.RawMessage) (json.RawMessage, error) {
	c.mu.Lock()
	c.got = append(c.got, chargerID+" "+action+" "+string(payload))
	result, err, block := c.result, c.err, c.block
	c.mu.Unlock()
	if block {
		<-ctx.Done()
		return nil, fmt.Errorf("call %s: %w", action, ctx.Err())
	}
	return json.RawMessage(result), err
}

func (c *caller) calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.got...)
}

// ocppError is the OCPP call route's error body.
type ocppError struct {
	Error struct {
		Code                 string `json:"code"`
		Message              string `json:"message"`
		OCPPErrorCode        string `json:"ocppErrorCode"`
		OCPPErrorDescription string `json:"ocppErrorDescription"`
	} `json:"error"`
}

func TestOCPPCallRoute(t *testing.T) {
	c := &caller{}
	e := newEnv(t, func(cfg *httpapi.Config) { cfg.OCPP = c; cfg.RemoteTimeout = 200 * time.Millisecond })

	t.Run("answer", func(t *testing.T) {
		c.set(`{"status":"Accepted"}`, nil, false)
		var out struct {
			ChargerID string          `json:"chargerId"`
			Action    string          `json:"action"`
			Result    json.RawMessage `json:"result"`
		}
		e.must(http.StatusOK, "POST", "/api/chargers/c1234/ocpp/Reset", `{"type":"Soft"}`).decode(t, &out)
		if out.ChargerID != "c1234" || out.Action != "Reset" || string(out.Result) != `{"status":"Accepted"}` {
			t.Fatalf("got %+v", out)
		}
		if got := c.calls(); len(got) != 1 || got[0] != `c1234 Reset {"type":"Soft"}` {
			t.Fatalf("calls: got %q", got)
		}
	})

	tests := []struct {
		name, action, body string
		result             string
		err                error
		block              bool
		status             int
		code, ocppCode     string
		sent               bool
	}{
		{name: "empty body is {}", action: "ClearCache", body: "", result: `{"status":"Accepted"}`, status: 200, sent: true},
		{name: "schema violation", action: "Reset", body: `{"type":"Warm"}`, status: 400, code: "invalid_ocpp_payload", ocppCode: "PropertyConstraintViolation"},
		{name: "required field", action: "ChangeAvailability", body: `{"type":"Operative"}`, status: 400, code: "invalid_ocpp_payload", ocppCode: "OccurenceConstraintViolation"},
		{name: "wrong JSON type", action: "UnlockConnector", body: `{"connectorId":"1"}`, status: 400, code: "invalid_ocpp_payload", ocppCode: "TypeConstraintViolation"},
		{name: "unknown field", action: "Reset", body: `{"type":"Soft","now":true}`, status: 400, code: "invalid_ocpp_payload", ocppCode: "FormationViolation"},
		{name: "not JSON", action: "Reset", body: `{"type":`, status: 400, code: "invalid_ocpp_payload", ocppCode: "FormationViolation"},
		{name: "unknown action", action: "UpdateFirmware", body: `{}`, status: 404, code: "unknown_action"},
		{name: "charger-initiated action", action: "BootNotification", body: `{}`, status: 404, code: "unknown_action"},
		{name: "not connected", action: "Reset", body: `{"type":"Hard"}`, err: domain.Errorf("not_connected", "the charger is not connected"), status: 409, code: "not_connected", sent: true},
		{name: "not OCPP", action: "Reset", body: `{"type":"Hard"}`, err: domain.Errorf("not_ocpp", "the charger does not speak OCPP"), status: 409, code: "not_ocpp", sent: true},
		{name: "CALLERROR", action: "TriggerMessage", body: `{"requestedMessage":"MeterValues"}`,
			err: fmt.Errorf("call: %w", &ocpp.CallError{Code: ocpp.CodeNotSupported, Description: "no trigger here"}), status: 502, code: "ocpp_call_error", ocppCode: "NotSupported", sent: true},
		{name: "invalid confirmation", action: "Reset", body: `{"type":"Soft"}`,
			err:    fmt.Errorf("call: %w: %w", ocpp.ErrInvalidConfirmation, &ocpp.CallError{Code: ocpp.CodePropertyConstraintViolation, Description: "status: bad"}),
			status: 502, code: "invalid_ocpp_answer", ocppCode: "PropertyConstraintViolation", sent: true},
		{name: "timeout", action: "GetConfiguration", body: `{}`, block: true, status: 504, code: "timeout", sent: true},
		{name: "store down", action: "Reset", body: `{"type":"Soft"}`, err: domain.Errorf(domain.CodeStoreDown, "the call was not recorded, so not sent"), status: 503, code: "store_unavailable", sent: true},
		{name: "bad charger id", action: "Reset", body: `{"type":"Soft"}`, status: 400, code: "invalid_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.set(tt.result, tt.err, tt.block)
			before := len(c.calls())
			id := "c1234"
			if tt.code == "invalid_id" {
				id = "bad%20id"
			}
			began := time.Now()
			r := e.must(tt.status, "POST", "/api/chargers/"+id+"/ocpp/"+tt.action, tt.body)
			if tt.block && time.Since(began) > 3*time.Second {
				t.Errorf("504 after %s, want about the 200ms timeout", time.Since(began))
			}
			if got := len(c.calls()) - before; got != map[bool]int{false: 0, true: 1}[tt.sent] {
				t.Errorf("calls made: got %d, sent %v", got, tt.sent)
			}
			if tt.status == 200 {
				return
			}
			var body ocppError
			r.decode(t, &body)
			if body.Error.Code != tt.code || body.Error.OCPPErrorCode != tt.ocppCode || body.Error.Message == "" {
				t.Errorf("got %+v, want code %q, ocppErrorCode %q and a message", body.Error, tt.code, tt.ocppCode)
			}
			if tt.code == "ocpp_call_error" && body.Error.OCPPErrorDescription != "no trigger here" {
				t.Errorf("ocppErrorDescription: got %q", body.Error.OCPPErrorDescription)
			}
			if tt.code == "unknown_action" && !strings.Contains(body.Error.Message, "ChangeConfiguration") {
				t.Errorf("message %q, want the actions listed", body.Error.Message)
			}
		})
	}

	t.Run("body over the limit", func(t *testing.T) {
		e.must(http.StatusRequestEntityTooLarge, "POST", "/api/chargers/c1234/ocpp/DataTransfer",
			`{"vendorId":"v","data":"`+strings.Repeat("x", 65<<10)+`"}`)
	})
}

func TestOCPPCallRouteUnwired(t *testing.T) {
	e := newEnv(t)
	r := e.must(http.StatusNotImplemented, "POST", "/api/chargers/c1234/ocpp/Reset", `{"type":"Soft"}`)
	if code, _ := r.apiError(t); code != "not_implemented" {
		t.Fatalf("code: got %q, want not_implemented", code)
	}
}

func TestChargerTimeline(t *testing.T) {
	e := newEnv(t)
	ctx := domain.WithActor(context.Background(), domain.Actor{ID: "ops1", Name: "Olga", Role: "ops"})
	_, err := e.svc.OnCharger(ctx, "c1234", func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return append(c.Record(x, domain.OCPPCallSent{UniqueID: "u1", Action: "Reset", Payload: json.RawMessage(`{"type":"Hard"}`), Origin: domain.OriginAPI}),
			c.Record(x, domain.OCPPCallAnswered{UniqueID: "u1", Action: "Reset", Result: json.RawMessage(`{"status":"Accepted"}`), DurationMs: 3})...), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.caughtUp()
	var out struct {
		ChargerID string `json:"chargerId"`
		Timeline  []struct {
			Type  string          `json:"type"`
			Actor *domain.Actor   `json:"actor"`
			Data  json.RawMessage `json:"data"`
		} `json:"timeline"`
	}
	e.must(http.StatusOK, "GET", "/api/chargers/c1234/timeline", "").decode(t, &out)
	if len(out.Timeline) != 2 || out.Timeline[0].Type != domain.TypeOCPPCallSent || out.Timeline[1].Type != domain.TypeOCPPCallAnswered {
		t.Fatalf("got %+v, want the call and its answer", out)
	}
	if a := out.Timeline[0].Actor; a == nil || a.ID != "ops1" {
		t.Errorf("actor: got %+v, want ops1", a)
	}
	e.must(http.StatusNotFound, "GET", "/api/chargers/cNobody/timeline", "")
}
