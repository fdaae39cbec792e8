package ocpp_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

// fixedNow is the server clock in tests.
var fixedNow = time.Date(2026, 7, 4, 18, 30, 0, 0, time.UTC)

// backendCall is one recorded Backend call.
type backendCall struct {
	Method    string
	ChargerID string
	Args      []any
}

// fakeBackend records every call and answers with its fields.
type fakeBackend struct {
	mu    sync.Mutex
	calls []backendCall

	bootDecision ocpp.BootDecision
	bootStatus   ocpp.BootDecision // BootStatus's answer
	authStatus   ocpp.IDTagStatus
	startTxID    int
	stopStatus   ocpp.IDTagStatus
	err          error // returned by every method when set
}

func newFakeBackend() *fakeBackend {
	return &fakeBackend{bootDecision: ocpp.BootAccepted, bootStatus: ocpp.BootAccepted, authStatus: ocpp.IDTagAccepted, startTxID: 42}
}

func (f *fakeBackend) record(method, chargerID string, args ...any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, backendCall{Method: method, ChargerID: chargerID, Args: args})
	return f.err
}

// Calls returns a copy of the recorded calls.
func (f *fakeBackend) Calls() []backendCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]backendCall(nil), f.calls...)
}

func (f *fakeBackend) Notify(_ context.Context, chargerID string, n ocpp.Notification) error {
	return f.record("Notify", chargerID, n)
}

func (f *fakeBackend) Boot(_ context.Context, chargerID string, info ocpp.BootInfo) (ocpp.BootDecision, error) {
	return f.bootDecision, f.record("Boot", chargerID, info)
}

// BootStatus is not recorded: it stores nothing.
func (f *fakeBackend) BootStatus(context.Context, string) ocpp.BootDecision {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bootStatus
}

func (f *fakeBackend) Heartbeat(_ context.Context, chargerID string) error {
	return f.record("Heartbeat", chargerID)
}

func (f *fakeBackend) ConnectorStatus(_ context.Context, chargerID string, connectorID int, status, errorCode, info string, ts time.Time) error {
	return f.record("ConnectorStatus", chargerID, connectorID, status, errorCode, info, ts)
}

func (f *fakeBackend) Authorize(_ context.Context, chargerID, idTag string) (ocpp.Authorization, error) {
	return ocpp.Authorization{Status: f.authStatus}, f.record("Authorize", chargerID, idTag)
}

func (f *fakeBackend) StartTransaction(_ context.Context, chargerID string, tx ocpp.StartTx) (int, ocpp.Authorization, error) {
	return f.startTxID, ocpp.Authorization{Status: f.authStatus}, f.record("StartTransaction", chargerID, tx)
}

func (f *fakeBackend) Reading(_ context.Context, chargerID string, soc float64, eventID string, ts time.Time) error {
	return f.record("Reading", chargerID, soc, eventID, ts)
}

func (f *fakeBackend) MeterSample(_ context.Context, chargerID string, s ocpp.Sample) error {
	return f.record("MeterSample", chargerID, s)
}

func (f *fakeBackend) StopTransaction(_ context.Context, chargerID string, tx ocpp.StopTx) (ocpp.IDTagStatus, error) {
	return f.stopStatus, f.record("StopTransaction", chargerID, tx)
}

var _ ocpp.Backend = (*fakeBackend)(nil)

// quietLogger discards log output.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newRouter returns a router over b with a fixed clock and a 60 s interval.
func newRouter(b ocpp.Backend) *ocpp.Router {
	return ocpp.NewRouter(b, ocpp.Config{
		HeartbeatInterval: 60 * time.Second,
		Now:               func() time.Time { return fixedNow },
		Logger:            quietLogger(),
	})
}

// handle runs one CALL through the router. On success it checks that the
// confirmation passes the 1.6 validation (what a strict client checks) and
// returns it as a JSON object.
func handle(tb testing.TB, r *ocpp.Router, chargerID, action, payload string) (map[string]any, *ocpp.CallError) {
	tb.Helper()
	conf, cerr := r.Handle(context.Background(), chargerID, action, json.RawMessage(payload))
	if cerr != nil {
		return nil, cerr
	}
	if err := ocpp.ValidatePayload(conf); err != nil {
		tb.Fatalf("%s confirmation %+v breaks the 1.6 schema: %v", action, conf, err)
	}
	b, err := json.Marshal(conf)
	if err != nil {
		tb.Fatalf("marshal %s confirmation: %v", action, err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		tb.Fatalf("%s confirmation %s is not an object: %v", action, b, err)
	}
	return out, nil
}

// mustHandle is handle that fails the test on a CALLERROR.
func mustHandle(tb testing.TB, r *ocpp.Router, chargerID, action, payload string) map[string]any {
	tb.Helper()
	out, cerr := handle(tb, r, chargerID, action, payload)
	if cerr != nil {
		tb.Fatalf("%s %s: got CALLERROR %v, want a confirmation", action, payload, cerr)
	}
	return out
}

// wantCode checks that err is a *CallError with the given code.
func wantCode(tb testing.TB, err error, want ocpp.ErrorCode) {
	tb.Helper()
	var ce *ocpp.CallError
	if !errors.As(err, &ce) {
		tb.Fatalf("got error %v (%T), want a *CallError %s", err, err, want)
	}
	if ce.Code != want {
		tb.Fatalf("got code %s (%s), want %s", ce.Code, ce.Description, want)
	}
}

// wantRouterCode checks a router answer is a CALLERROR with the given code.
func wantRouterCode(tb testing.TB, cerr *ocpp.CallError, want ocpp.ErrorCode) {
	tb.Helper()
	if cerr == nil {
		tb.Fatalf("got a confirmation, want CALLERROR %s", want)
	}
	if cerr.Code != want {
		tb.Fatalf("got code %s (%s), want %s", cerr.Code, cerr.Description, want)
	}
}

// repeat is strings.Repeat, short for payload literals.
func repeat(s string, n int) string { return strings.Repeat(s, n) }
