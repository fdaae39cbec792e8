package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/projections/runtime"
)

// runCmd runs a chargebooth subcommand in-process.
func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code = run(ctx, args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func sendReadings(t *testing.T, m *Main, chargerID string, socs ...string) {
	t.Helper()
	c := dialCharger(t, m, chargerID)
	for i, s := range socs {
		c.send(`{"event":"StateOfCharge","id":"r` + string(rune('a'+i)) + `-` + s + `","data":{"soc":` + s + `}}`)
		if f := c.nextFrame(5 * time.Second); f.Event != "Ack" {
			t.Fatalf("reading %s: got %+v, want Ack", s, f)
		}
	}
	c.ws.Close()
}

var readingLine = regexp.MustCompile(`charger\.soc_reported\s+c1234\s+soc (\S+) → (\S+)`)

func replayReadings(out string) []string {
	var got []string
	for _, m := range readingLine.FindAllStringSubmatch(out, -1) {
		got = append(got, m[1]+" "+m[2])
	}
	return got
}

func TestReplayStoppedAndRunning(t *testing.T) {
	dir := t.TempDir()
	m := startMain(t, dir)
	sendReadings(t, m, "c1234", "11", "57", "100")
	m.Close()
	want := []string{"11 charging", "57 charging", "100 charged"}

	code, out, errOut := runCmd(t, "replay", "--charger", "c1234", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("replay (stopped): exit %d\n%s%s", code, out, errOut)
	}
	if got := replayReadings(out); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("replay (stopped): got %v, want %v\n%s", got, want, out)
	}
	if !strings.Contains(errOut, "no server running") {
		t.Errorf("replay did not say it opened the data directory: %q", errOut)
	}

	m2 := startMain(t, dir)
	_ = m2
	code, out, errOut = runCmd(t, "replay", "--charger", "c1234", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("replay (running): exit %d\n%s%s", code, out, errOut)
	}
	if got := replayReadings(out); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("replay (running): got %v, want %v", got, want)
	}
	if !strings.Contains(errOut, "running server") {
		t.Errorf("replay did not say it used the running server: %q", errOut)
	}
	// --json: one object a line.
	code, out, _ = runCmd(t, "replay", "--charger", "c1234", "--data-dir", dir, "--json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) < 3 {
		t.Fatalf("replay --json: exit %d, %d lines", code, len(lines))
	}
	for _, l := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil || v["type"] == nil {
			t.Errorf("replay --json line %q: %v", l, err)
		}
	}
	// What is not there is said.
	code, _, errOut = runCmd(t, "replay", "--charger", "nobody", "--data-dir", dir)
	if code != 1 || !strings.Contains(errOut, "no events found for charger nobody") {
		t.Errorf("unknown charger: exit %d, %q", code, errOut)
	}
	code, _, _ = runCmd(t, "replay", "--data-dir", dir)
	if code != 2 {
		t.Errorf("replay without --charger/--session: exit %d, want 2", code)
	}
}

func TestRebuildFindsNoDifferenceAndAPlantedOne(t *testing.T) {
	dir := t.TempDir()
	m := startMain(t, dir)
	sendReadings(t, m, "c1234", "20", "100")
	api(t, m, "PUT", "/api/pairings/c7", `{"widgetId":"w7"}`, nil)
	sendReadings(t, m, "c7", "50")
	m.Close()
	m = startMain(t, dir)
	var s struct {
		Sessions []struct {
			ID        string `json:"id"`
			ClaimCode string `json:"claimCode"`
		} `json:"sessions"`
	}
	api(t, m, "GET", "/api/sessions?charger=c1234", "", &s)
	if len(s.Sessions) != 1 {
		t.Fatalf("sessions: %+v", s)
	}
	if code := api(t, m, "POST", "/api/sessions/"+s.Sessions[0].ID+"/payments", `{"amountCents":500,"method":"card"}`, nil); code != 201 {
		t.Fatalf("payment: %d", code)
	}
	if code := api(t, m, "POST", "/api/sessions/"+s.Sessions[0].ID+"/handback", `{"claimCode":"`+s.Sessions[0].ClaimCode+`"}`, nil); code != 200 {
		t.Fatalf("hand-back: %d", code)
	}
	sendReadings(t, m, "c1234", "30")
	m.Close()

	code, out, errOut := runCmd(t, "rebuild", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "no differences") {
		t.Fatalf("rebuild: exit %d\n%s%s", code, out, errOut)
	}

	// Plant a difference in the checkpoint.
	m = startMain(t, dir)
	data, err := m.Store.LoadCheckpoint(context.Background(), runtime.DefaultCheckpointName)
	if err != nil || data == nil {
		t.Fatalf("checkpoint: %v", err)
	}
	planted := strings.Replace(string(data), `"paidCents":500`, `"paidCents":400`, 1)
	if planted == string(data) {
		t.Fatalf("nothing to plant in %s", data)
	}
	m.Close()
	m = startMain(t, dir, func(m *Main) { m.Config.Checkpoint = 0 })
	if err := m.Store.SaveCheckpoint(context.Background(), runtime.DefaultCheckpointName, strings.NewReader(planted)); err != nil {
		t.Fatal(err)
	}
	// --checkpoint-every 0: the server neither reads nor overwrites it.
	m.Close()
	code, out, _ = runCmd(t, "rebuild", "--data-dir", dir)
	if code != 1 || !strings.Contains(out, "DIFF") || !strings.Contains(out, "paidCents") {
		t.Fatalf("rebuild with a planted difference: exit %d\n%s", code, out)
	}
}

func TestRestartFoldsOnlyWhatCameAfterTheCheckpoint(t *testing.T) {
	dir := t.TempDir()
	m := startMain(t, dir)
	sendReadings(t, m, "c1234", "10", "20", "30", "40", "50")
	m.Close()
	m = startMain(t, dir)
	cp := m.Board.Applied()
	if f := m.Board.Folded(); f != 0 {
		t.Errorf("right after a restart with a checkpoint: folded %d events, want 0", f)
	}
	sendReadings(t, m, "c1234", "60", "70")
	// Wait until the charger's disconnection is stored and folded too.
	checkFor(t, 5*time.Second, func() bool {
		last, _ := m.Store.LastSequence(context.Background())
		ch, _ := m.Board.Charger("c1234", time.Now())
		return !ch.Online && m.Board.Applied() == last
	})
	last, _ := m.Store.LastSequence(context.Background())
	if got, want := m.Board.Folded(), last-cp; got != want {
		t.Errorf("folded %d events, want %d (only those after the checkpoint at %d)", got, want, cp)
	}
	if cp < 5 {
		t.Errorf("checkpoint at %d, want it to cover the first readings", cp)
	}
}
