package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/testkit"
)

// reminderAck is the reminder protocol's acknowledgement.
type reminderAck struct {
	Status   string          `json:"status"`
	Response json.RawMessage `json:"response"`
	Error    string          `json:"error"`
}

type reminderEvent struct {
	Name string `json:"name"`
	Time string `json:"time"`
	ID   string `json:"_id"`
}

// reminders returns the eventReminder payloads client id heard for the
// notice nid.
func reminders(tb testing.TB, d *sioDriver, id, nid string) []reminderEvent {
	tb.Helper()
	var out []reminderEvent
	for _, r := range d.events(id, "eventReminder") {
		var e reminderEvent
		if len(r.Args) == 0 || json.Unmarshal(r.Args[0], &e) != nil {
			tb.Fatalf("eventReminder args %s", r.Args)
		}
		if e.ID == nid {
			out = append(out, e)
		}
	}
	return out
}

// everyoneRemindedOnce waits until each client heard eventReminder for
// nid, then checks that each heard it once, with name and time.
func everyoneRemindedOnce(tb testing.TB, d *sioDriver, clients []string, nid, name, at string) {
	tb.Helper()
	testkit.CheckFor(tb, 20*time.Second, func() error {
		for _, c := range clients {
			if len(reminders(tb, d, c, nid)) == 0 {
				return fmt.Errorf("%s has no eventReminder for %s yet", c, nid)
			}
		}
		return nil
	})
	testkit.HoldsFor(tb, 1500*time.Millisecond, func() error {
		for _, c := range clients {
			got := reminders(tb, d, c, nid)
			if len(got) != 1 {
				return fmt.Errorf("%s heard eventReminder %s %d times, want once", c, nid, len(got))
			}
			if want := (reminderEvent{Name: name, Time: at, ID: nid}); got[0] != want {
				return fmt.Errorf("%s heard %+v, want %+v", c, got[0], want)
			}
		}
		return nil
	})
}

// TestSocketIOReminders speaks the reminder protocol with npm
// socket.io-client: the time zones, scheduleEvent in a non-UTC zone
// answered with the UTC time, five clients each reminded once, the
// refusals, a notice scheduled over HTTP, and a reminder that came due
// while the server was down firing once when it is back. The server's
// clock is injected (it runs with the wall clock from a set time), so
// "the next minute" is seconds away.
func TestSocketIOReminders(t *testing.T) {
	dir, addr := t.TempDir(), freeAddr(t)
	clk := &boothClock{}
	clk.set(time.Date(2026, 7, 4, 20, 59, 57, 0, time.UTC)) // 16:59:57 in Toronto
	mods := func(m *Main) { m.Clock = clk.now; m.Config.HTTPAddr = addr }
	m := startMain(t, dir, mods)
	url := "http://" + addr
	d := startSIO(t)
	clients := []string{"r1", "r2", "r3", "r4", "r5"}
	for _, c := range append([]string{"sched"}, clients...) {
		d.connected(c, url)
	}

	t.Run("getAllTimeZones", func(t *testing.T) {
		var a reminderAck
		d.emit("sched", "command", &a, map[string]any{"command": "getAllTimeZones"})
		var zones []string
		if err := json.Unmarshal(a.Response, &zones); err != nil || a.Status != "success" {
			t.Fatalf("ack %+v, want success with a list", a)
		}
		for _, z := range []string{"America/Toronto", "Europe/Madrid", "Asia/Kolkata", "UTC"} {
			if !slices.Contains(zones, z) {
				t.Errorf("%s is not among the %d zones", z, len(zones))
			}
		}
		if len(zones) < 400 || !slices.IsSorted(zones) {
			t.Errorf("%d zones, sorted %v; want the IANA list, sorted", len(zones), slices.IsSorted(zones))
		}
	})

	t.Run("refusals", func(t *testing.T) {
		sched := func(tm, tz string) map[string]any {
			return map[string]any{"command": "scheduleEvent", "data": map[string]any{"time": tm, "timeZone": tz, "eventName": "x"}}
		}
		tests := []struct {
			name string
			arg  any
			want string // the error starts with it
		}{
			{"not an object", "getAllTimeZones", "Invalid message passed."},
			{"a list", []any{1, 2}, "Invalid message passed."},
			{"no command", map[string]any{"data": map[string]any{}}, "Invalid message passed."},
			{"command not a string", map[string]any{"command": 7}, "Invalid message passed."},
			{"scheduleEvent without data", map[string]any{"command": "scheduleEvent"}, "Invalid message passed."},
			{"scheduleEvent data missing a field", map[string]any{"command": "scheduleEvent", "data": map[string]any{"time": "2026-07-04 17:30"}}, "Invalid message passed."},
			{"unknown command", map[string]any{"command": "deleteEverything"}, "un-recognized command"},
			{"bad time", sched("2026-07-04 25:00", "America/Toronto"), "Invalid time"},
			{"not the layout", sched("4 July 2026 5pm", "America/Toronto"), "Invalid time"},
			{"in the past", sched("2026-07-04 16:58", "America/Toronto"), "The time 2026-07-04 16:58 in America/Toronto is in the past"},
			{"unknown zone", sched("2026-07-04 17:30", "Mars/Olympus_Mons"), "Unknown time zone"},
			{"the server's own zone", sched("2026-07-04 17:30", "Local"), "Unknown time zone"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var a reminderAck
				d.emit("sched", "command", &a, tt.arg)
				if a.Status != "failure" || !strings.HasPrefix(a.Error, tt.want) {
					t.Errorf("got %+v, want failure %q…", a, tt.want)
				}
			})
		}
	})

	t.Run("scheduleEvent reminds every client once", func(t *testing.T) {
		var a reminderAck
		d.emit("sched", "command", &a, map[string]any{"command": "scheduleEvent",
			"data": map[string]any{"time": "2026-07-04 17:00", "timeZone": "America/Toronto", "eventName": "Last call"}})
		var r reminderEvent
		if err := json.Unmarshal(a.Response, &r); err != nil || a.Status != "success" {
			t.Fatalf("ack %+v, want success", a)
		}
		if r.Name != "Last call" || r.Time != "2026-07-04T21:00:00.000Z" || r.ID == "" {
			t.Fatalf("response %+v, want Last call at 2026-07-04T21:00:00.000Z with an _id", r)
		}
		everyoneRemindedOnce(t, d, clients, r.ID, "Last call", "2026-07-04T21:00:00.000Z")
	})

	t.Run("a notice scheduled over HTTP", func(t *testing.T) {
		var n struct {
			NoticeID string `json:"noticeId"`
		}
		if code := api(t, m, "POST", "/api/notices", `{"at":"2026-07-04 23:05","timeZone":"Europe/Madrid","text":"From the desk"}`, &n); code != http.StatusCreated || n.NoticeID == "" {
			t.Fatalf("POST /api/notices: %d %+v", code, n)
		}
		clk.set(time.Date(2026, 7, 4, 21, 4, 58, 0, time.UTC))
		everyoneRemindedOnce(t, d, clients, n.NoticeID, "From the desk", "2026-07-04T21:05:00.000Z")
	})

	t.Run("due while the server was down", func(t *testing.T) {
		var a reminderAck
		d.emit("sched", "command", &a, map[string]any{"command": "scheduleEvent",
			"data": map[string]any{"time": "2026-07-04 17:10", "timeZone": "America/Toronto", "eventName": "Doors close"}})
		var r reminderEvent
		if err := json.Unmarshal(a.Response, &r); err != nil || a.Status != "success" {
			t.Fatalf("ack %+v, want success", a)
		}
		// Every client heard the notice being scheduled: that is the
		// offset it resumes from.
		for _, c := range clients {
			id := c
			d.wait(10*time.Second, func(rep sioReport) bool {
				return rep.ID == id && rep.Event == "notice" && strings.Contains(string(rep.Args[0]), r.ID)
			})
		}
		m.Close()
		clk.set(time.Date(2026, 7, 4, 21, 12, 0, 0, time.UTC)) // 17:12 in Toronto: it came due while down
		startMain(t, dir, mods)
		everyoneRemindedOnce(t, d, clients, r.ID, "Doors close", "2026-07-04T21:10:00.000Z")
		var list struct {
			Notices []struct {
				NoticeID string `json:"noticeId"`
				Fired    bool   `json:"fired"`
			} `json:"notices"`
		}
		api(t, &Main{HTTPURL: addr}, "GET", "/api/notices", "", &list)
		fired := 0
		for _, n := range list.Notices {
			if n.Fired {
				fired++
			}
		}
		if fired != 3 {
			t.Errorf("%d notices fired, want 3: %+v", fired, list.Notices)
		}
	})
}
