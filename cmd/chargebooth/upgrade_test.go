package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore/estest"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/nats-io/nats.go"
)

// publishRaw stores raw bytes on subj as a newer instance (or anything
// else with NATS access) would, and waits for JetStream's acknowledgement.
func publishRaw(tb testing.TB, nc *nats.Conn, subj, body string) {
	tb.Helper()
	msg, err := nc.Request(subj, []byte(body), 5*time.Second)
	if err != nil {
		tb.Fatalf("publish on %s: %v", subj, err)
	}
	if strings.Contains(string(msg.Data), `"error"`) {
		tb.Fatalf("publish on %s: %s", subj, msg.Data)
	}
}

// futureEnvelope is an event of a type this build does not know, spelled
// as chargebooth writes events.
func futureEnvelope(typ, chargerID string) string {
	return fmt.Sprintf(`{"id":%q,"type":%q,"chargerId":%q,"time":%q,"v":1,"data":{"soc":42,"shape":{"new":true}}}`,
		domain.DerivedID(chargerID, "test.future", typ), typ, chargerID, time.Now().UTC().Format(time.RFC3339Nano))
}

func TestUnknownEventsDoNotStopTheBooth(t *testing.T) {
	dir := t.TempDir()
	m := startMain(t, dir)
	c := dialCharger(t, m, "c1234")
	w := dialWidget(t, m, "wABCD")
	other := dialCharger(t, m, "c2")
	sendSoCAcked(t, c, "before", "10")
	if got := w.status(5 * time.Second); got != "charging" {
		t.Fatalf("widget before: got %q, want charging", got)
	}

	publishRaw(t, m.NC, m.Store.Subject(domain.ChargerKey("c1234")), futureEnvelope("charger.turbo_mode", "c1234"))
	publishRaw(t, m.NC, m.Store.Subject(domain.PairingsKey), futureEnvelope("pairing.shared", ""))
	publishRaw(t, m.NC, m.Store.Subject(domain.ChargerKey("c1234")), `not even json`)

	// The same charger's next reading is acknowledged and reaches its widget.
	sendSoCAcked(t, c, "after", "85")
	if got := w.status(5 * time.Second); got != "charging80" {
		t.Errorf("widget after: got %q, want charging80", got)
	}
	// Other chargers are unaffected; pairings still work.
	sendSoCAcked(t, other, "other", "50")
	if code := api(t, m, "PUT", "/api/pairings/c2", `{"widgetId":"w2"}`, nil); code != http.StatusOK {
		t.Errorf("pairing after an unknown pairing event: %d", code)
	}
	resp, err := http.Get("http://" + m.HTTPURL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz: got %d, want 200", resp.StatusCode)
	}
	testkit.CheckFor(t, 5*time.Second, func() error {
		fams := scrape(t, m)
		for typ, want := range map[string]float64{"charger.turbo_mode": 1, "pairing.shared": 1, "?": 1} {
			if got := total(fams["chargebooth_events_unknown_total"], map[string]string{"type": typ}); got != want {
				return fmt.Errorf("unknown %s: got %v, want %v", typ, got, want)
			}
		}
		return nil
	})

	code, out, errOut := runCmd(t, "replay", "--data-dir", dir, "--charger", "c1234")
	if code != 0 {
		t.Fatalf("replay: exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"charger.turbo_mode", "UNKNOWN to this build: unknown type", `"shape":{"new":true}`, "undecodable", "not even json"} {
		if !strings.Contains(out, want) {
			t.Errorf("replay lacks %q:\n%s", want, out)
		}
	}
	if got := replayReadings(out); len(got) != 2 {
		t.Errorf("replay readings: got %v, want 2", got)
	}
	code, out, errOut = runCmd(t, "rebuild", "--data-dir", dir)
	if !strings.Contains(out, "skipped 1 events this build cannot read: charger.turbo_mode") {
		t.Errorf("rebuild does not count the unknown events:\n%s", out)
	}
	if code != 0 && !strings.Contains(out, "no checkpoint to compare") {
		t.Errorf("rebuild: exit %d\n%s\n%s", code, out, errOut)
	}
	// A checkpoint taken now holds the skipped events and equals a replay.
	if err := m.Runtime.Checkpoint(t.Context()); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCmd(t, "rebuild", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "no differences") {
		t.Errorf("rebuild after checkpoint: exit %d\n%s\n%s", code, out, errOut)
	}
}

// buildFuture builds chargebooth with an event type this build lacks
// (future_events.go): a newer version in a rolling upgrade.
func buildFuture(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	path := filepath.Join(dir, "chargebooth-future")
	cmd := exec.Command("go", "build", "-tags", "futureevents", "-o", path, ".")
	cmd.Env = os.Environ()
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build -tags futureevents: %v\n%s", err, out)
	}
	return path
}

func TestOldAndNewVersionServeSideBySide(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a second binary")
	}
	srv := estest.Server(t, t.TempDir(), "127.0.0.1:-1")
	url := srv.ClientURL()
	old := startMain(t, t.TempDir(), func(m *Main) { m.Config.NATSURL = url; m.Config.Instance = "old" })
	bin := buildFuture(t)
	p := startProcBin(t, bin, t.TempDir(), "--nats-url", url, "--instance", "new", "--no-demo")

	type pair struct{ charger, widget string }
	pairs := []pair{{"c1", "w1"}, {"c2", "w2"}, {"c3", "w3"}, {"c4", "w4"}}
	for _, pr := range pairs {
		if code := api(t, old, "PUT", "/api/pairings/"+pr.charger, fmt.Sprintf(`{"widgetId":%q}`, pr.widget), nil); code != http.StatusOK {
			t.Fatalf("pair %s: %d", pr.charger, code)
		}
	}
	// Chargers alternate between the versions; each widget on the other.
	chargerURL := func(i int) string {
		if i%2 == 0 {
			return "ws://" + old.ChargerURL
		}
		return "ws://" + p.charger
	}
	widgetURL := func(i int) string {
		if i%2 == 0 {
			return "ws://" + p.widget
		}
		return "ws://" + old.WidgetURL
	}
	cs := make([]*wsClient, len(pairs))
	ws := make([]*wsClient, len(pairs))
	for i, pr := range pairs {
		cs[i] = dial(t, chargerURL(i)+"/chargers/"+pr.charger, nil)
		ws[i] = dial(t, widgetURL(i)+"/widgets/"+pr.widget, nil)
	}
	for round, soc := range []string{"20", "60", "85", "100"} {
		for i := range pairs {
			sendSoCAcked(t, cs[i], fmt.Sprintf("r%d", round), soc)
		}
		v, _ := strconv.ParseFloat(soc, 64)
		want := string(domain.StatusFor(v))
		for i, pr := range pairs {
			testkit.CheckFor(t, 10*time.Second, func() error {
				if got := ws[i].status(10 * time.Second); got != want {
					return fmt.Errorf("widget %s: got %q, want %q", pr.widget, got, want)
				}
				return nil
			})
		}
	}
	// The old version saw the new type, skipped it and kept serving.
	testkit.CheckFor(t, 10*time.Second, func() error {
		if got := total(scrape(t, old)["chargebooth_events_unknown_total"], map[string]string{"type": "charger.future_note"}); got < 1 {
			return fmt.Errorf("old instance counted %v future notes, want some", got)
		}
		return nil
	})
	if err := old.Runtime.Ready(); err != nil {
		t.Errorf("old instance not ready: %v", err)
	}
	var s []map[string]any
	if code := apiAt(t, "http://"+p.http, "GET", "/api/sessions?state=open", "", &struct {
		Sessions *[]map[string]any `json:"sessions"`
	}{&s}); code != http.StatusOK || len(s) != len(pairs) {
		t.Errorf("new instance's open sessions: %d, %d, want %d", code, len(s), len(pairs))
	}
}
