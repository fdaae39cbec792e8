package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/eventstore/estest"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/chargebooth/chargebooth/projections/runtime/rttest"
	"github.com/nats-io/nats.go"
	"github.com/oklog/ulid/v2"
)

const testToken = "s3cret-staff-token"

// day0 is when every test's clock starts.
var day0 = time.Date(2026, 7, 4, 20, 0, 0, 0, time.UTC)

// env is one API over a real embedded JetStream store, with the board
// following the stream.
type env struct {
	t      testing.TB
	store  *eventstore.Store
	nc     *nats.Conn // the store's connection, to publish raw bytes as an intruder would
	board  *projections.Board
	svc    *domain.Service
	clock  *testkit.Clock
	api    *httpapi.API
	srv    *httptest.Server
	tariff domain.Tariff
}

// envOption changes the API config before New.
type envOption func(*httpapi.Config)

func newEnv(tb testing.TB, opts ...envOption) *env {
	tb.Helper()
	_, store, nc := estest.Start(tb)
	e := &env{t: tb, store: store, nc: nc, clock: testkit.NewClock(day0), tariff: domain.Tariff{FlatCents: 500, Currency: "EUR"}}
	e.board = projections.NewBoard(e.tariff)
	e.svc = domain.NewService(store, e.clock.Now, func() string { return ulid.Make().String() }, e.tariff)
	// The board is fed by the projection runtime, as in the server; its
	// WaitApplied is what commands wait on.
	rt := rttest.Start(tb, e.board, store, "httpapi-test")
	cfg := httpapi.Config{Service: e.svc, Board: e.board, Store: store, History: store, Token: testToken, Clock: e.clock.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), WaitApplied: rt.WaitApplied}
	for _, o := range opts {
		o(&cfg)
	}
	e.api = httpapi.New(cfg)
	e.srv = httptest.NewServer(checkContract(tb, e.api, e.api.Handler()))
	tb.Cleanup(func() {
		e.api.Close()
		e.srv.Close()
	})
	return e
}

// resp is a response with its body read.
type resp struct {
	code   int
	header http.Header
	body   []byte
}

// apiError decodes the JSON error body.
func (r resp) apiError(tb testing.TB) (code, message string) {
	tb.Helper()
	var b struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.body, &b); err != nil {
		tb.Fatalf("error body %q is not JSON: %v", r.body, err)
	}
	return b.Error.Code, b.Error.Message
}

// decode decodes the body into v.
func (r resp) decode(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		tb.Fatalf("body %q: %v", r.body, err)
	}
}

// do sends a request with the staff token; hdr is name, value pairs and
// may override or (with value "-") remove the Authorization header.
func (e *env) do(method, path, body string, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "-" {
			req.Header.Del(hdr[i])
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp{code: res.StatusCode, header: res.Header, body: b}
}

// must sends a request and fails unless the status is want.
func (e *env) must(want int, method, path, body string, hdr ...string) resp {
	e.t.Helper()
	r := e.do(method, path, body, hdr...)
	if r.code != want {
		e.t.Fatalf("%s %s: got status %d, want %d; body %s", method, path, r.code, want, bytes.TrimSpace(r.body))
	}
	return r
}

// reading stores a charger reading through the service.
func (e *env) reading(chargerID string, soc float64) {
	e.t.Helper()
	_, err := e.svc.ReportSoC(context.Background(), chargerID, domain.Reading{SoC: soc})
	if err != nil {
		e.t.Fatalf("reading %s %v: %v", chargerID, soc, err)
	}
}

// caughtUp waits until the board applied everything stored.
func (e *env) caughtUp() {
	e.t.Helper()
	testkit.CheckFor(e.t, 5*time.Second, func() error {
		last, err := e.store.LastSequence(context.Background())
		if err != nil {
			return err
		}
		if got := e.board.Applied(); got < last {
			return fmt.Errorf("board at %d, stream at %d", got, last)
		}
		return nil
	})
}

// session is the Session JSON of the API (the fields tests look at).
type session struct {
	ID             string           `json:"id"`
	ChargerID      string           `json:"chargerId"`
	WidgetID       string           `json:"widgetId"`
	State          string           `json:"state"`
	Status         string           `json:"status"`
	SoC            *float64         `json:"soc"`
	ChargedAt      *time.Time       `json:"chargedAt"`
	ClosedAt       *time.Time       `json:"closedAt"`
	AmountDueCents int64            `json:"amountDueCents"`
	PaidCents      int64            `json:"paidCents"`
	BalanceCents   int64            `json:"balanceCents"`
	Currency       string           `json:"currency"`
	Waived         bool             `json:"waived"`
	Timeline       []timelineRecord `json:"timeline"`
}

type timelineRecord struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	ChargerID string          `json:"chargerId"`
	SessionID string          `json:"sessionId"`
	Seq       uint64          `json:"seq"`
	Data      json.RawMessage `json:"data"`
}

// openSession returns the open session of a charger, by the API, once
// the board applied what was stored (a reading does not wait for it).
func (e *env) openSession(chargerID string) session {
	e.t.Helper()
	e.caughtUp()
	var out struct {
		Sessions []session `json:"sessions"`
	}
	e.must(http.StatusOK, "GET", "/api/sessions?state=open&charger="+chargerID, "").decode(e.t, &out)
	if len(out.Sessions) != 1 {
		e.t.Fatalf("open sessions of %s: got %d, want 1", chargerID, len(out.Sessions))
	}
	return out.Sessions[0]
}

var errNotYet = errors.New("not yet")
