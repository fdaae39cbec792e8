package socketio_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/socketio"
)

// FuzzSubscribe feeds subscribe payloads (seeded with what portals send)
// to the parser: it never panics, and what it accepts names chargers or
// a position.
func FuzzSubscribe(f *testing.F) {
	for _, s := range []string{`{"chargers":"*"}`, `{"chargers":["c1234","c2"]}`, `{"chargerId":"c1"}`,
		`{"chargers":"*","since":"120"}`, `{"since":3}`, `{"chargers":"*","sinceTime":"2026-07-04T21:00:00Z"}`, `"*"`, `[]`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v any
		if json.Unmarshal(b, &v) != nil {
			return
		}
		r, err := socketio.ParseSubscribe(v)
		if err == nil && !r.All && len(r.Chargers) == 0 && r.Since == nil && r.SinceTime == nil {
			t.Errorf("%s accepted naming nothing", b)
		}
		if err == nil && len(r.Chargers) > socketio.MaxSubs {
			t.Errorf("%s accepted %d chargers", b, len(r.Chargers))
		}
	})
}

// FuzzReminder feeds command payloads of the reminder protocol to the
// parser and the time check: they never panic, and every answer is a
// command or a failure sentence, never both.
func FuzzReminder(f *testing.F) {
	for _, s := range []string{`{"command":"getAllTimeZones"}`,
		`{"command":"scheduleEvent","data":{"time":"2026-07-04 17:00","timeZone":"America/Toronto","eventName":"Last call"}}`,
		`{"command":"scheduleEvent","data":{"time":"2026-07-04 25:00","timeZone":"Mars/X","eventName":""}}`,
		`"hello"`, `{}`, `{"command":7}`} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 7, 4, 20, 59, 30, 0, time.UTC)
	f.Fuzz(func(t *testing.T, b []byte) {
		var v any
		if json.Unmarshal(b, &v) != nil {
			return
		}
		cmd, tm, zone, _, fail := socketio.ParseReminder(v)
		if (cmd == "") == (fail == "") {
			t.Fatalf("%s: command %q and failure %q", b, cmd, fail)
		}
		if cmd == "scheduleEvent" {
			at, fail := socketio.ReminderTime(tm, zone, now)
			if fail == "" && (at.Before(now.Truncate(time.Minute)) || at.IsZero()) {
				t.Errorf("%s: accepted %v, before now %v", b, at, now)
			}
		}
	})
}
