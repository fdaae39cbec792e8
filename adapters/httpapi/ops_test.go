package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/domain"
)

func TestOpsRoutes(t *testing.T) {
	var mu sync.Mutex
	ready := errors.New("projections catching up")
	seen := map[string]int{}
	e := newEnv(t, func(c *httpapi.Config) {
		c.Ready = func() error { mu.Lock(); defer mu.Unlock(); return ready }
		c.Metrics = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("metrics here")) })
		c.Dashboard = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("<html>board</html>")) })
		c.Observe = func(route string, code int, _ time.Duration) {
			mu.Lock()
			seen[route+" "+http.StatusText(code)]++
			mu.Unlock()
		}
	})
	noAuth := []string{"Authorization", "-"}
	if r := e.must(http.StatusOK, "GET", "/healthz", "", noAuth...); strings.TrimSpace(string(r.body)) != "ok" {
		t.Errorf("healthz: got %q, want ok", r.body)
	}
	if r := e.must(http.StatusServiceUnavailable, "GET", "/readyz", "", noAuth...); !strings.Contains(string(r.body), "catching up") {
		t.Errorf("readyz: got %q, want the reason", r.body)
	}
	mu.Lock()
	ready = nil
	mu.Unlock()
	e.must(http.StatusOK, "GET", "/readyz", "", noAuth...)
	if r := e.must(http.StatusOK, "GET", "/metrics", "", noAuth...); string(r.body) != "metrics here" {
		t.Errorf("metrics: got %q", r.body)
	}
	if r := e.must(http.StatusOK, "GET", "/", "", noAuth...); !strings.Contains(string(r.body), "board") {
		t.Errorf("dashboard: got %q", r.body)
	}
	e.must(http.StatusOK, "GET", "/app.js", "", noAuth...) // the dashboard serves its files
	e.must(http.StatusUnauthorized, "GET", "/api/chargers", "", noAuth...)
	e.must(http.StatusNotFound, "GET", "/api/unknown", "")

	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"GET /healthz OK", "GET /readyz Service Unavailable", "GET /metrics OK", "/ OK",
		"GET /api/chargers Unauthorized", "/api/ Not Found"} {
		if seen[want] == 0 {
			t.Errorf("observe: %q not seen in %v", want, seen)
		}
	}
}

func TestPairingsAndChargers(t *testing.T) {
	e := newEnv(t)
	e.must(http.StatusOK, "PUT", "/api/pairings/c1234", `{"widgetId":"wABCD"}`)
	e.must(http.StatusOK, "PUT", "/api/pairings/c1234", `{"widgetId":"wABCD"}`) // again: no change
	e.must(http.StatusOK, "PUT", "/api/pairings/c2", `{"widgetId":"w2"}`)
	var list struct {
		Pairings []domain.Pair `json:"pairings"`
	}
	e.must(http.StatusOK, "GET", "/api/pairings", "").decode(t, &list)
	if len(list.Pairings) != 2 || list.Pairings[0] != (domain.Pair{ChargerID: "c1234", WidgetID: "wABCD"}) {
		t.Errorf("pairings: got %+v", list.Pairings)
	}
	var one domain.Pair
	e.must(http.StatusOK, "GET", "/api/pairings/c2", "").decode(t, &one)
	if one.WidgetID != "w2" {
		t.Errorf("pairing c2: got %+v", one)
	}
	e.must(http.StatusNoContent, "DELETE", "/api/pairings/c2", "")
	e.must(http.StatusNotFound, "GET", "/api/pairings/c2", "")

	// A paired charger is listed before it ever connected, in the api.md shape.
	var chargers struct {
		Chargers []map[string]any `json:"chargers"`
	}
	e.must(http.StatusOK, "GET", "/api/chargers", "").decode(t, &chargers)
	if len(chargers.Chargers) != 2 {
		t.Fatalf("chargers: got %d, want 2 (c1234 paired, c2 seen in pairing events)", len(chargers.Chargers))
	}
	c := chargers.Chargers[0]
	for _, k := range []string{"chargerId", "widgetId", "online", "widgetOnline", "soc", "status", "sessionId", "lastSeen",
		"protocol", "overdue", "session", "meta", "connectors"} {
		if _, ok := c[k]; !ok {
			t.Errorf("charger JSON lacks %q: %v", k, c)
		}
	}
	if c["soc"] != nil || c["session"] != nil || c["widgetId"] != "wABCD" {
		t.Errorf("idle charger: got %v", c)
	}
	if conns, ok := c["connectors"].([]any); !ok || len(conns) != 0 {
		t.Errorf("connectors: got %v, want []", c["connectors"])
	}
}

func TestNotices(t *testing.T) {
	e := newEnv(t)
	var n struct {
		NoticeID  string    `json:"noticeId"`
		At        time.Time `json:"at"`
		LocalTime string    `json:"localTime"`
		TimeZone  string    `json:"timeZone"`
		Text      string    `json:"text"`
		Fired     bool      `json:"fired"`
	}
	e.must(http.StatusCreated, "POST", "/api/notices",
		`{"at":"2026-07-04 23:00","timeZone":"Europe/Madrid","text":"Booth closes in 30 minutes"}`).decode(t, &n)
	if want := time.Date(2026, 7, 4, 21, 0, 0, 0, time.UTC); !n.At.Equal(want) || n.NoticeID == "" || n.LocalTime != "2026-07-04 23:00" || n.Fired {
		t.Errorf("notice: got %+v, want at %v", n, want)
	}
	var list struct {
		Notices []json.RawMessage `json:"notices"`
	}
	e.must(http.StatusOK, "GET", "/api/notices", "").decode(t, &list)
	if len(list.Notices) != 1 || !strings.Contains(string(list.Notices[0]), n.NoticeID) {
		t.Errorf("notices: got %s", list.Notices)
	}
}

// remote is a RemoteCommander that answers as told.
type remote struct {
	mu    sync.Mutex
	calls []string
	err   error
}

func (r *remote) RemoteStart(_ context.Context, chargerID, idTag string, connectorID int) (json.RawMessage, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, "start "+chargerID+" "+idTag+" "+string(rune('0'+connectorID)))
	return json.RawMessage(`{"status":"Accepted"}`), r.err
}

func (r *remote) RemoteStop(_ context.Context, chargerID string, tx int) (json.RawMessage, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, "stop "+chargerID+" "+string(rune('0'+tx)))
	return json.RawMessage(`{"status":"Rejected"}`), r.err
}

func TestRemote(t *testing.T) {
	rc := &remote{}
	e := newEnv(t, func(c *httpapi.Config) { c.Remote = rc })
	var out struct {
		ChargerID string `json:"chargerId"`
		Response  struct {
			Status string `json:"status"`
		} `json:"response"`
	}
	e.must(http.StatusOK, "POST", "/api/chargers/c1234/remote-start", `{"idTag":"STAFF","connectorId":1}`).decode(t, &out)
	if out.ChargerID != "c1234" || out.Response.Status != "Accepted" {
		t.Errorf("remote start: got %+v", out)
	}
	e.must(http.StatusOK, "POST", "/api/chargers/c1234/remote-stop", `{"transactionId":7}`).decode(t, &out)
	if out.Response.Status != "Rejected" {
		t.Errorf("remote stop: got %+v", out)
	}
	if got := strings.Join(rc.calls, "; "); got != "start c1234 STAFF 1; stop c1234 7" {
		t.Errorf("calls: got %q", got)
	}

	tests := []struct {
		name   string
		path   string
		body   string
		err    error
		status int
		code   string
	}{
		{"stop without transaction", "remote-stop", `{}`, nil, 409, "no_open_session"},
		{"fractional connector", "remote-start", `{"idTag":"T","connectorId":1.5}`, nil, 400, "invalid_input"},
		{"missing idTag", "remote-start", `{"connectorId":1}`, nil, 400, "invalid_input"},
		{"not connected", "remote-start", `{"idTag":"T"}`, domain.Errorf("not_connected", "charger c1234 is not connected"), 409, "not_connected"},
		{"not ocpp", "remote-stop", `{"transactionId":1}`, domain.Errorf("not_ocpp", "charger c1234 does not speak OCPP"), 409, "not_ocpp"},
		{"timeout", "remote-start", `{"idTag":"T"}`, context.DeadlineExceeded, 504, "timeout"},
		{"charger error", "remote-start", `{"idTag":"T"}`, errors.New("CALLERROR NotSupported"), 502, "remote_failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rc.mu.Lock()
			rc.err = tc.err
			rc.mu.Unlock()
			r := e.must(tc.status, "POST", "/api/chargers/c1234/"+tc.path, tc.body)
			if code, _ := r.apiError(t); code != tc.code {
				t.Errorf("code: got %q, want %q", code, tc.code)
			}
		})
	}
}
