package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/internal/testkit"
)

// devicesMode runs the server under --devices mode.
func devicesMode(mode string) func(*Main) {
	return func(m *Main) { m.Config.Devices.Mode = mode }
}

func TestEnrolledModeRefusesUnknownDevicesBeforeTheUpgrade(t *testing.T) {
	m := startMain(t, t.TempDir(), devicesMode("enrolled"))
	before := lastSeq(t, m)
	tests := []struct{ url, want string }{
		{"ws://" + m.ChargerURL + "/chargers/c9", "charger c9 is not enrolled on this booth; enrol it with PUT /api/devices/chargers/c9 or pair it"},
		{"ws://" + m.WidgetURL + "/widgets/w9", "widget w9 is not enrolled on this booth; enrol it with PUT /api/devices/widgets/w9 or pair it with a charger"},
	}
	for _, tt := range tests {
		status, reason := testkit.DialRefused(t, tt.url, nil)
		if status != http.StatusForbidden || reason != tt.want {
			t.Errorf("%s: got %d %q, want 403 %q", tt.url, status, reason, tt.want)
		}
	}
	if got := lastSeq(t, m); got != before {
		t.Fatalf("stream moved from %d to %d: a refused device stored something", before, got)
	}
	if code := api(t, m, "GET", "/api/chargers/c9", "", nil); code != http.StatusNotFound {
		t.Errorf("GET /api/chargers/c9: %d, want 404", code)
	}

	// The demo pair is in the pairing table: it connects.
	w := dialWidget(t, m, "wABCD")
	c := dialCharger(t, m, "c1234")
	c.send(`{"event":"StateOfCharge","data":{"soc":85}}`)
	if got, want := w.status(5*time.Second), "charging80"; got != want {
		t.Errorf("demo widget: got %q, want %q", got, want)
	}

	// Enrolled over the API, c9 connects.
	var dev struct {
		Kind, ID  string
		HasSecret bool
		Secret    string
	}
	if code := api(t, m, "PUT", "/api/devices/chargers/c9", "", &dev); code != http.StatusOK {
		t.Fatalf("enrol c9: %d", code)
	}
	if dev.Kind != "charger" || dev.ID != "c9" || !dev.HasSecret || len(dev.Secret) < 20 {
		t.Errorf("enrol c9 answered %+v, want a generated secret", dev)
	}
	var list struct{ Chargers, Widgets []map[string]any }
	if code := api(t, m, "GET", "/api/devices", "", &list); code != http.StatusOK || len(list.Chargers) != 1 || len(list.Widgets) != 0 {
		t.Fatalf("GET /api/devices: %d %+v", code, list)
	}
	if _, leaked := list.Chargers[0]["secret"]; leaked {
		t.Error("GET /api/devices shows a secret")
	}
	dialCharger(t, m, "c9").send(`{"event":"StateOfCharge","id":"r1","data":{"soc":5}}`)
	if code := api(t, m, "DELETE", "/api/devices/chargers/c9", "", nil); code != http.StatusNoContent {
		t.Fatalf("unenrol c9: %d", code)
	}
	if code := api(t, m, "DELETE", "/api/devices/chargers/c9", "", nil); code != http.StatusNotFound {
		t.Fatalf("unenrol c9 twice: %d, want 404", code)
	}
	if status, _ := testkit.DialRefused(t, "ws://"+m.ChargerURL+"/chargers/c9", nil); status != http.StatusForbidden {
		t.Errorf("c9 after unenrolment: %d, want 403", status)
	}
}

func TestAuthenticatedModeAndHijack(t *testing.T) {
	m := startMain(t, t.TempDir(), devicesMode("authenticated"))
	const secret = "correct horse battery"
	if code := api(t, m, "PUT", "/api/devices/chargers/c1234", fmt.Sprintf(`{"secret":%q}`, secret), nil); code != http.StatusOK {
		t.Fatalf("enrol c1234: %d", code)
	}
	var wdev struct{ Secret string }
	if code := api(t, m, "PUT", "/api/devices/widgets/wABCD", `{}`, &wdev); code != http.StatusOK || wdev.Secret == "" {
		t.Fatalf("enrol wABCD: %d %+v", code, wdev)
	}
	// Re-enrolled as it is, the widget keeps its key (and none is shown).
	var again struct{ Secret string }
	if code := api(t, m, "PUT", "/api/devices/widgets/wABCD", ``, &again); code != http.StatusOK || again.Secret != "" {
		t.Fatalf("re-enrol wABCD: %d %+v", code, again)
	}
	if code := api(t, m, "PUT", "/api/devices/chargers/c1", `{"secret":"short"}`, nil); code != http.StatusBadRequest {
		t.Errorf("a short secret: %d, want 400", code)
	}

	w := dial(t, "ws://"+m.WidgetURL+"/widgets/wABCD?key="+wdev.Secret, nil)
	c := dial(t, "ws://"+m.ChargerURL+"/chargers/c1234", basicAuth("c1234", secret))
	c.send(`{"event":"StateOfCharge","id":"h1","data":{"soc":40}}`)
	if f := c.nextFrame(5 * time.Second); f.Event != "Ack" {
		t.Fatalf("real charger: got %+v, want Ack", f)
	}
	if got, want := w.status(5*time.Second), "charging"; got != want {
		t.Fatalf("widget: got %q, want %q", got, want)
	}

	before := lastSeq(t, m)
	attempts := []struct {
		name string
		url  string
		h    http.Header
		want string
	}{
		{"charger, wrong password", "ws://" + m.ChargerURL + "/chargers/c1234", basicAuth("c1234", "guess"), "charger c1234 credentials are wrong"},
		{"charger, no credentials", "ws://" + m.ChargerURL + "/chargers/c1234", nil, "charger c1234 sent no credentials"},
		{"widget, wrong key", "ws://" + m.WidgetURL + "/widgets/wABCD?key=guess", nil, "widget wABCD key is wrong"},
		{"widget, wrong header key", "ws://" + m.WidgetURL + "/widgets/wABCD", http.Header{"X-Widget-Key": {"guess"}}, "widget wABCD key is wrong"},
		{"widget, no key", "ws://" + m.WidgetURL + "/widgets/wABCD", nil, "widget wABCD sent no key"},
	}
	for _, a := range attempts {
		t.Run(a.name, func(t *testing.T) {
			status, reason := testkit.DialRefused(t, a.url, a.h)
			if status != http.StatusUnauthorized || !strings.HasPrefix(reason, a.want) {
				t.Errorf("got %d %q, want 401 %q…", status, reason, a.want)
			}
		})
	}
	if got := lastSeq(t, m); got != before {
		t.Fatalf("stream moved from %d to %d: a refused device stored something", before, got)
	}
	// The real charger is still connected and still drives its widget; the
	// widget heard nothing from the attempts.
	w.none(200 * time.Millisecond)
	c.send(`{"event":"StateOfCharge","id":"h2","data":{"soc":100}}`)
	if f := c.nextFrame(5 * time.Second); f.Event != "Ack" || f.Data.ID != "h2" {
		t.Fatalf("real charger after the attempts: got %+v, want Ack h2", f)
	}
	if got, want := w.status(5*time.Second), "charged"; got != want {
		t.Fatalf("widget after the attempts: got %q, want %q", got, want)
	}
	var ch struct {
		Online       bool `json:"online"`
		WidgetOnline bool `json:"widgetOnline"`
	}
	if code := api(t, m, "GET", "/api/chargers/c1234", "", &ch); code != http.StatusOK || !ch.Online || !ch.WidgetOnline {
		t.Errorf("c1234: %d %+v, want both online", code, ch)
	}
	// The header form of the key works too (a second widget socket replaces the first).
	dial(t, "ws://"+m.WidgetURL+"/widgets/wABCD", http.Header{"X-Widget-Key": {wdev.Secret}})
}

func TestReplacementStormThrottled(t *testing.T) {
	m := startMain(t, t.TempDir())
	url := "ws://" + m.ChargerURL + "/chargers/c5"
	first := dial(t, url, nil)
	second := dial(t, url, nil) // the first replacement is allowed
	select {
	case <-first.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the first socket was not replaced")
	}
	h := http.Header{}
	status, reason := testkit.DialRefused(t, url, h)
	if status != http.StatusTooManyRequests || reason != "charger c5 reconnected too often; retry in a few seconds" {
		t.Fatalf("second replacement within 2s: got %d %q", status, reason)
	}
	second.send(`{"event":"StateOfCharge","id":"x","data":{"soc":1}}`)
	if f := second.nextFrame(5 * time.Second); f.Event != "Ack" {
		t.Fatalf("the live socket after the refused replacement: %+v", f)
	}
}

func TestNewChargerIDFloodCapped(t *testing.T) {
	m := startMain(t, t.TempDir(), func(m *Main) { m.Config.Devices.NewPerMinute = 5 })
	for i := range 5 {
		dialCharger(t, m, fmt.Sprintf("f%d", i))
	}
	checkFor(t, 5*time.Second, func() bool { return len(m.Board.Online()) == 5 })
	before := lastSeq(t, m)
	status, reason := testkit.DialRefused(t, "ws://"+m.ChargerURL+"/chargers/f5", nil)
	if want := "more than 5 new charger ids connected in the last minute; charger f5 was refused"; status != http.StatusTooManyRequests || !strings.HasPrefix(reason, want) {
		t.Fatalf("sixth new id: got %d %q, want 429 %q…", status, reason, want)
	}
	if got := lastSeq(t, m); got != before {
		t.Errorf("stream moved from %d to %d", before, got)
	}
	// Known ids are not new: the paired demo charger still connects.
	dialCharger(t, m, "c1234")

	capped := startMain(t, t.TempDir(), func(m *Main) { m.Config.Devices.MaxUnenrolled = 3 })
	for i := range 3 {
		dialCharger(t, capped, fmt.Sprintf("u%d", i))
	}
	checkFor(t, 5*time.Second, func() bool { _, ok := capped.Board.Charger("u2", time.Now()); return ok })
	status, reason = testkit.DialRefused(t, "ws://"+capped.ChargerURL+"/chargers/u3", nil)
	if want := "this booth already knows 3 chargers that are not enrolled; charger u3 was refused"; status != http.StatusForbidden || !strings.HasPrefix(reason, want) {
		t.Fatalf("over --max-unenrolled: got %d %q, want 403 %q…", status, reason, want)
	}
}

func TestIdleChargerRetired(t *testing.T) {
	defer func(d time.Duration) { retireEvery = d }(retireEvery)
	retireEvery = 50 * time.Millisecond
	clk := &boothClock{}
	m := startMain(t, t.TempDir(), func(m *Main) { m.Clock = clk.now })
	for _, id := range []string{"cIdle", "cGone"} {
		c := dialCharger(t, m, id)
		c.ws.Close()
	}
	online := dialCharger(t, m, "cOnline")
	checkFor(t, 5*time.Second, func() bool {
		a, okA := m.Board.Charger("cIdle", clk.now())
		b, okB := m.Board.Charger("cGone", clk.now())
		c, okC := m.Board.Charger("cOnline", clk.now())
		return okA && okB && okC && !a.Online && !b.Online && c.Online
	})

	// DELETE /api/chargers/{id} retires one now; refused while busy.
	if code := api(t, m, "DELETE", "/api/chargers/cGone", "", nil); code != http.StatusNoContent {
		t.Fatalf("DELETE cGone: %d", code)
	}
	if code := api(t, m, "GET", "/api/chargers/cGone", "", nil); code != http.StatusNotFound {
		t.Errorf("GET cGone after DELETE: %d, want 404", code)
	}
	var e struct {
		Error struct{ Code, Message string }
	}
	for _, tt := range []struct{ id, code string }{{"cOnline", domain.CodeChargerOnline}, {"c1234", domain.CodeChargerPaired}} {
		if code := api(t, m, "DELETE", "/api/chargers/"+tt.id, "", &e); code != http.StatusConflict || e.Error.Code != tt.code {
			t.Errorf("DELETE %s: %d %+v, want 409 %s", tt.id, code, e, tt.code)
		}
	}
	if code := api(t, m, "DELETE", "/api/chargers/cNever", "", nil); code != http.StatusNotFound {
		t.Errorf("DELETE cNever: %d, want 404", code)
	}

	// A week later cIdle is retired by the policy; the others stay.
	clk.set(time.Now().Add(7*24*time.Hour + time.Hour))
	checkFor(t, 10*time.Second, func() bool {
		return api(t, m, "GET", "/api/chargers/cIdle", "", nil) == http.StatusNotFound
	})
	var list struct{ Chargers []struct{ ChargerID string } }
	api(t, m, "GET", "/api/chargers", "", &list)
	var ids []string
	for _, c := range list.Chargers {
		ids = append(ids, c.ChargerID)
	}
	if got, want := strings.Join(ids, ","), "c1234,cOnline"; got != want {
		t.Errorf("chargers: got %s, want %s", got, want)
	}
	online.send(`{"event":"StateOfCharge","id":"a","data":{"soc":3}}`)
	if f := online.nextFrame(5 * time.Second); f.Event != "Ack" {
		t.Fatalf("cOnline: %+v", f)
	}
	// A later connection brings it back.
	dialCharger(t, m, "cIdle")
	checkFor(t, 5*time.Second, func() bool {
		c, ok := m.Board.Charger("cIdle", clk.now())
		return ok && c.Online
	})
}

// TestSimpleChargersObeyTheAllowList: with --charger-allow, a
// simple-protocol charger not on the list is refused before the upgrade
// and nothing is stored; a listed one connects; an OCPP charger not on the
// list still reaches its BootNotification (answered by --boot-policy).
func TestSimpleChargersObeyTheAllowList(t *testing.T) {
	allow := filepath.Join(t.TempDir(), "allow.txt")
	if err := os.WriteFile(allow, []byte("c1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := startMain(t, t.TempDir(), func(m *Main) { m.Config.ChargerAllow = allow; m.Config.BootPolicy = "reject" })
	before := lastSeq(t, m)
	code, reason := testkit.DialRefused(t, "ws://"+m.ChargerURL+"/chargers/c2", nil)
	if code != http.StatusForbidden || !strings.Contains(reason, "allow list") {
		t.Errorf("unlisted simple charger: got %d %q, want 403 naming the allow list", code, reason)
	}
	if got := lastSeq(t, m); got != before {
		t.Errorf("stream moved from %d to %d for a refused charger", before, got)
	}
	c := dialCharger(t, m, "c1")
	sendSoCAcked(t, c, "listed", "20")
	o := dialOCPP(t, m, "c3", nil)
	var boot struct {
		Status string `json:"status"`
	}
	o.call("BootNotification", `{"chargePointVendor":"v","chargePointModel":"m"}`, &boot)
	if boot.Status != "Rejected" {
		t.Errorf("unlisted OCPP charger's boot: got %q, want Rejected", boot.Status)
	}
}
