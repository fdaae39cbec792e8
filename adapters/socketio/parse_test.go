package socketio_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/socketio"
)

func TestParseSubscribe(t *testing.T) {
	many := make([]any, socketio.MaxSubs+1)
	for i := range many {
		many[i] = fmt.Sprintf("c%d", i)
	}
	tests := []struct {
		name     string
		in       string // JSON
		all      bool
		chargers []string
		since    uint64
		err      string // part of the error; "" when accepted
	}{
		{"all", `{"chargers":"*"}`, true, nil, 0, ""},
		{"bare star", `"*"`, true, nil, 0, ""},
		{"list", `{"chargers":["c1","c2"]}`, false, []string{"c1", "c2"}, 0, ""},
		{"one by chargerId", `{"chargerId":"c1234"}`, false, []string{"c1234"}, 0, ""},
		{"since as number", `{"chargers":["c1"],"since":42}`, false, []string{"c1"}, 42, ""},
		{"since as the offset string", `{"chargers":"*","since":"42"}`, true, nil, 42, ""},
		{"since alone resumes what is subscribed", `{"since":7}`, false, nil, 7, ""},
		{"sinceTime", `{"chargers":"*","sinceTime":"2026-07-04T21:00:00Z"}`, true, nil, 0, ""},
		{"nothing named", `{}`, false, nil, 0, "name the chargers"},
		{"not an object", `17`, false, nil, 0, "subscribe takes"},
		{"bad id", `{"chargers":["no spaces"]}`, false, nil, 0, "charger"},
		{"id not a string", `{"chargers":[7]}`, false, nil, 0, "strings"},
		{"unknown field", `{"chargers":"*","from":3}`, false, nil, 0, `unknown field "from"`},
		{"negative since", `{"chargers":"*","since":-1}`, false, nil, 0, "since must be"},
		{"fractional since", `{"chargers":"*","since":1.5}`, false, nil, 0, "since must be"},
		{"since and sinceTime", `{"chargers":"*","since":1,"sinceTime":"2026-07-04T21:00:00Z"}`, false, nil, 0, "not both"},
		{"bad sinceTime", `{"chargers":"*","sinceTime":"yesterday"}`, false, nil, 0, "RFC 3339"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(tt.in), &v); err != nil {
				t.Fatal(err)
			}
			got, err := socketio.ParseSubscribe(v)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want accepted", err)
			}
			since := uint64(0)
			if got.Since != nil {
				since = *got.Since
			}
			if got.All != tt.all || !slices.Equal(got.Chargers, tt.chargers) || since != tt.since {
				t.Errorf("got %+v since %d, want all %v chargers %v since %d", got, since, tt.all, tt.chargers, tt.since)
			}
		})
	}
	t.Run("at most MaxSubs chargers", func(t *testing.T) {
		_, err := socketio.ParseSubscribe(map[string]any{"chargers": many})
		if err == nil || !strings.Contains(err.Error(), "at most") {
			t.Errorf("%d chargers: got %v, want refused", len(many), err)
		}
		_, err = socketio.ParseSubscribe(map[string]any{"chargers": many[:socketio.MaxSubs]})
		if err != nil {
			t.Errorf("%d chargers: got %v, want accepted", socketio.MaxSubs, err)
		}
	})
}

func TestParseReminder(t *testing.T) {
	tests := []struct {
		name, in          string
		cmd, tm, zone, ev string
		fail              string // the failure starts with it
	}{
		{"time zones", `{"command":"getAllTimeZones"}`, "getAllTimeZones", "", "", "", ""},
		{"schedule", `{"command":"scheduleEvent","data":{"time":"2026-07-04 17:00","timeZone":"America/Toronto","eventName":"Last call"}}`,
			"scheduleEvent", "2026-07-04 17:00", "America/Toronto", "Last call", ""},
		{"a string", `"getAllTimeZones"`, "", "", "", "", "Invalid message passed."},
		{"null", `null`, "", "", "", "", "Invalid message passed."},
		{"no command", `{"data":{}}`, "", "", "", "", "Invalid message passed."},
		{"empty command", `{"command":""}`, "", "", "", "", "Invalid message passed."},
		{"command a number", `{"command":1}`, "", "", "", "", "Invalid message passed."},
		{"no data", `{"command":"scheduleEvent"}`, "", "", "", "", "Invalid message passed. scheduleEvent needs data"},
		{"data a string", `{"command":"scheduleEvent","data":"tomorrow"}`, "", "", "", "", "Invalid message passed. scheduleEvent needs data"},
		{"time a number", `{"command":"scheduleEvent","data":{"time":1,"timeZone":"UTC","eventName":"x"}}`, "", "", "", "", "Invalid message passed. scheduleEvent needs data"},
		{"unknown", `{"command":"cancelEvent"}`, "", "", "", "", "un-recognized command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(tt.in), &v); err != nil {
				t.Fatal(err)
			}
			cmd, tm, zone, ev, fail := socketio.ParseReminder(v)
			if tt.fail != "" {
				if !strings.HasPrefix(fail, tt.fail) {
					t.Errorf("got failure %q, want %q…", fail, tt.fail)
				}
				return
			}
			if fail != "" || cmd != tt.cmd || tm != tt.tm || zone != tt.zone || ev != tt.ev {
				t.Errorf("got %q %q %q %q %q, want %q %q %q %q", cmd, tm, zone, ev, fail, tt.cmd, tt.tm, tt.zone, tt.ev)
			}
		})
	}
}

func TestReminderTime(t *testing.T) {
	now := time.Date(2026, 7, 4, 20, 59, 30, 0, time.UTC) // 16:59:30 in Toronto (EDT)
	tests := []struct {
		name, local, zone string
		want              string // UTC, RFC 3339; "" when refused
		fail              string
	}{
		{"next minute in Toronto", "2026-07-04 17:00", "America/Toronto", "2026-07-04T21:00:00Z", ""},
		{"the current minute", "2026-07-04 16:59", "America/Toronto", "2026-07-04T20:59:00Z", ""},
		{"winter time", "2026-12-24 18:00", "America/Toronto", "2026-12-24T23:00:00Z", ""},
		{"India", "2026-07-05 09:30", "Asia/Kolkata", "2026-07-05T04:00:00Z", ""},
		{"UTC", "2026-07-04 21:00", "UTC", "2026-07-04T21:00:00Z", ""},
		{"a minute ago", "2026-07-04 16:58", "America/Toronto", "", "The time 2026-07-04 16:58 in America/Toronto is in the past: it is 2026-07-04 16:59 there now."},
		{"more than a year ahead", "2027-08-01 10:00", "UTC", "", "The time 2027-08-01 10:00 in UTC is more than a year ahead."},
		{"hour 25", "2026-07-04 25:00", "UTC", "", "Invalid time \"2026-07-04 25:00\""},
		{"seconds", "2026-07-04 17:00:00", "UTC", "", "Invalid time"},
		{"ISO", "2026-07-04T17:00", "UTC", "", "Invalid time"},
		{"unknown zone", "2026-07-04 17:00", "Mars/Olympus_Mons", "", "Unknown time zone \"Mars/Olympus_Mons\""},
		{"Local", "2026-07-04 17:00", "Local", "", "Unknown time zone"},
		{"empty zone", "2026-07-04 17:00", "", "", "Unknown time zone"},
		{"a path", "2026-07-04 17:00", "../../etc/passwd", "", "Unknown time zone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, fail := socketio.ReminderTime(tt.local, tt.zone, now)
			if tt.fail != "" {
				if !strings.HasPrefix(fail, tt.fail) {
					t.Errorf("got %v %q, want failure %q…", got, fail, tt.fail)
				}
				return
			}
			if fail != "" || got.UTC().Format(time.RFC3339) != tt.want {
				t.Errorf("got %v %q, want %s", got.UTC(), fail, tt.want)
			}
		})
	}
}

func TestTimeZones(t *testing.T) {
	zones := socketio.TimeZones()
	if len(zones) < 400 || !slices.IsSorted(zones) {
		t.Fatalf("%d zones, sorted %v: want the IANA list, sorted", len(zones), slices.IsSorted(zones))
	}
	for _, z := range []string{"America/Toronto", "Europe/Madrid", "UTC", "Asia/Kolkata", "Australia/Lord_Howe"} {
		if !slices.Contains(zones, z) {
			t.Errorf("%s missing", z)
		}
	}
	for _, z := range zones {
		if z == "Local" || z == "" {
			t.Errorf("zone %q listed", z)
		}
		if _, err := time.LoadLocation(z); err != nil {
			t.Errorf("listed zone %q does not load: %v", z, err)
		}
	}
}

func TestHandshakeToken(t *testing.T) {
	tests := []struct {
		name   string
		auth   map[string]any
		query  string
		header string
		want   string
	}{
		{"auth", map[string]any{"token": "a1"}, "", "", "a1"},
		{"query", nil, "token=q1", "", "q1"},
		{"header", nil, "", "Bearer h1", "h1"},
		{"header any case", nil, "", "bearer h2", "h2"},
		{"auth first", map[string]any{"token": "a1"}, "token=q1", "Bearer h1", "a1"},
		{"query before header", nil, "token=q1", "Bearer h1", "q1"},
		{"auth token not a string", map[string]any{"token": 5}, "", "Bearer h1", "h1"},
		{"blank auth token", map[string]any{"token": "  "}, "", "", ""},
		{"basic is not bearer", nil, "", "Basic dXNlcjpwdw==", ""},
		{"none", nil, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/socket.io/?EIO=4&transport=polling&"+tt.query, nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			got, ok := socketio.HandshakeToken(tt.auth, r)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("got %q %v, want %q", got, ok, tt.want)
			}
		})
	}
}

func TestOriginRefused(t *testing.T) {
	s := socketio.New(socketio.Config{AllowedOrigins: []string{"https://portal.example"}})
	defer s.Close()
	tests := []struct {
		name, origin string
		refused      bool
	}{
		{"another site", "https://evil.example", true},
		{"allowed origin", "https://portal.example", false},
		{"same origin", "http://127.0.0.1:3000", false},
		{"no origin (a script)", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000/socket.io/?EIO=4&transport=polling", nil)
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, r)
			if got := w.Code == http.StatusForbidden; got != tt.refused {
				t.Fatalf("HTTP %d %s, want refused %v", w.Code, w.Body, tt.refused)
			}
			if tt.refused {
				var body struct {
					Error struct{ Code, Message string }
				}
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error.Code != "forbidden_origin" || body.Error.Message == "" {
					t.Errorf("body %s, want {error:{code: forbidden_origin, message}}", w.Body)
				}
			}
		})
	}
}

func TestCheckPathID(t *testing.T) {
	tests := []struct {
		field, id string
		ok        bool
	}{
		{"chargerId", "c1234", true},
		{"chargerId", "..", false},
		{"chargerId", "a/b", false},
		{"chargerId", "", false},
		{"sessionId", "01J2ABCDEF", true},
		{"sessionId", "..", false},
		{"sessionId", "a%2Fb", false},
		{"sessionId", strings.Repeat("a", 65), false},
	}
	for _, tt := range tests {
		t.Run(tt.field+" "+tt.id, func(t *testing.T) {
			if err := socketio.CheckPathID(tt.field, tt.id); (err == nil) != tt.ok {
				t.Errorf("got %v, want ok %v", err, tt.ok)
			}
		})
	}
}
