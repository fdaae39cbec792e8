package domain_test

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zone database, whatever the machine has

	"github.com/chargebooth/chargebooth/domain"
)

func TestNoticesSchedule(t *testing.T) {
	tests := []struct {
		name     string
		at, tz   string
		text     string
		wantAt   time.Time
		wantCode string
	}{
		{name: "Madrid summer", at: "2026-07-04 23:00", tz: "Europe/Madrid", text: "Headliner!", wantAt: time.Date(2026, 7, 4, 21, 0, 0, 0, time.UTC)},
		{name: "Madrid winter", at: "2026-12-10 23:00", tz: "Europe/Madrid", text: "x", wantAt: time.Date(2026, 12, 10, 22, 0, 0, 0, time.UTC)},
		{name: "UTC", at: "2026-07-04 23:00", tz: "UTC", text: "x", wantAt: time.Date(2026, 7, 4, 23, 0, 0, 0, time.UTC)},
		{name: "text trimmed", at: "2026-07-04 23:00", tz: "UTC", text: "  x  ", wantAt: time.Date(2026, 7, 4, 23, 0, 0, 0, time.UTC)},
		{name: "bad zone", at: "2026-07-04 23:00", tz: "Mars/Olympus", text: "x", wantCode: domain.CodeInvalidInput},
		{name: "no zone", at: "2026-07-04 23:00", tz: "", text: "x", wantCode: domain.CodeInvalidInput},
		{name: "bad time", at: "tomorrow 11pm", tz: "Europe/Madrid", text: "x", wantCode: domain.CodeInvalidInput},
		{name: "RFC 3339 time", at: "2026-07-04T23:00:00Z", tz: "Europe/Madrid", text: "x", wantCode: domain.CodeInvalidInput},
		{name: "hour 25", at: "2026-07-04 25:00", tz: "Europe/Madrid", text: "x", wantCode: domain.CodeInvalidInput},
		{name: "empty text", at: "2026-07-04 23:00", tz: "Europe/Madrid", text: "", wantCode: domain.CodeInvalidInput},
		{name: "blank text", at: "2026-07-04 23:00", tz: "Europe/Madrid", text: " \t ", wantCode: domain.CodeInvalidInput},
		{name: "text too long", at: "2026-07-04 23:00", tz: "Europe/Madrid", text: strings.Repeat("x", domain.MaxNoticeText+1), wantCode: domain.CodeInvalidInput},
		{name: "text on two lines", at: "2026-07-04 23:00", tz: "UTC", text: "Booth closes\nat midnight", wantAt: time.Date(2026, 7, 4, 23, 0, 0, 0, time.UTC)},
		{name: "text with a tab", at: "2026-07-04 23:00", tz: "UTC", text: "a\tb", wantCode: domain.CodeInvalidInput},
		{name: "text with an override", at: "2026-07-04 23:00", tz: "UTC", text: "free \u202echarging", wantCode: domain.CodeInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := domain.NewNotices()
			x := ctxAt(0)
			evs, err := n.Schedule(x, tt.at, tt.tz, tt.text, time.LoadLocation)
			checkCode(t, err, tt.wantCode)
			if err != nil {
				if len(evs) != 0 {
					t.Fatalf("refusal with events: %s", fmtPayloads(payloads(evs)))
				}
				return
			}
			if got, want := len(evs), 1; got != want {
				t.Fatalf("events: got %d, want %d", got, want)
			}
			d, ok := evs[0].Data.(domain.NoticeScheduled)
			if !ok {
				t.Fatalf("payload: got %T, want NoticeScheduled", evs[0].Data)
			}
			if !d.At.Equal(tt.wantAt) || d.At.Location() != time.UTC {
				t.Errorf("at: got %v, want %v", d.At, tt.wantAt)
			}
			want := domain.NoticeScheduled{NoticeID: evs[0].ID, At: d.At, LocalTime: tt.at, TimeZone: tt.tz, Text: strings.TrimSpace(tt.text)}
			if d != want {
				t.Errorf("payload: got %+v, want %+v", d, want)
			}
			if got, want := evs[0].Key(), domain.NoticesKey; got != want {
				t.Errorf("key: got %+v, want %+v", got, want)
			}
		})
	}
}

// TestNoticesWindow checks that a notice lies between NoticeGrace ago and
// NoticeHorizon ahead (t0 is 2026-07-04 18:00 UTC, 20:00 in Madrid), and
// that a refusal names the window.
func TestNoticesWindow(t *testing.T) {
	tests := []struct {
		name, at, tz string
		ok           bool
	}{
		{"now", "2026-07-04 18:00", "UTC", true},
		{"within the grace", "2026-07-04 17:55", "UTC", true},
		{"before the grace", "2026-07-04 17:54", "UTC", false},
		{"yesterday", "2026-07-03 18:00", "UTC", false},
		{"a year ahead", "2027-07-04 18:00", "UTC", true},
		{"a year and two days ahead", "2027-07-06 18:00", "UTC", false},
		{"year 0001", "0001-01-01 00:00", "UTC", false},
		{"year 9999", "9999-12-31 23:59", "Europe/Madrid", false},
		{"local zone counts", "2026-07-04 19:54", "Europe/Madrid", false},
		{"local zone now", "2026-07-04 20:00", "Europe/Madrid", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := domain.NewNotices().Schedule(ctxAt(0), tt.at, tt.tz, "x", time.LoadLocation)
			if tt.ok {
				checkCode(t, err, "")
				if len(evs) != 1 {
					t.Fatalf("events: got %d, want 1", len(evs))
				}
				return
			}
			checkCode(t, err, domain.CodeInvalidInput)
			if msg := err.Error(); !strings.Contains(msg, "at must lie between") || !strings.Contains(msg, tt.tz) || !strings.Contains(msg, tt.at) {
				t.Errorf("message: got %q, want the window, the zone and the time given", msg)
			}
		})
	}
}

// TestNoticesCap checks that MaxScheduledNotices waiting notices refuse
// one more, and that a fired one makes room.
func TestNoticesCap(t *testing.T) {
	n := domain.NewNotices()
	x := ctxAt(0)
	var seq uint64
	var first string
	for i := range domain.MaxScheduledNotices {
		evs, err := n.Schedule(x, "2026-07-04 18:00", "UTC", "x", time.LoadLocation)
		if err != nil {
			t.Fatalf("notice %d: %v", i, err)
		}
		for _, e := range evs {
			seq++
			e.Seq = seq
			n.Apply(e)
		}
		if i == 0 {
			first = evs[0].ID
		}
	}
	if got, want := n.Scheduled(), domain.MaxScheduledNotices; got != want {
		t.Fatalf("Scheduled: got %d, want %d", got, want)
	}
	evs, err := n.Schedule(x, "2026-07-04 19:00", "UTC", "one more", time.LoadLocation)
	checkCode(t, err, domain.CodeTooManyNotices)
	if len(evs) != 0 || !strings.Contains(err.Error(), "too many scheduled notices (1000)") {
		t.Fatalf("refusal: got %d events and %q", len(evs), err)
	}
	for _, e := range n.Fire(x, first) {
		seq++
		e.Seq = seq
		n.Apply(e)
	}
	if _, err := n.Schedule(x, "2026-07-04 19:00", "UTC", "one more", time.LoadLocation); err != nil {
		t.Fatalf("after one fired: %v", err)
	}
}

func TestNoticesDueAndFireOnce(t *testing.T) {
	n := domain.NewNotices()
	var seq uint64
	apply := func(evs []domain.Event) {
		for _, e := range evs {
			seq++
			e.Seq = seq
			n.Apply(e)
		}
	}
	x := ctxAt(0)
	late, err := n.Schedule(x, "2026-07-04 23:00", "Europe/Madrid", "late", time.LoadLocation)
	checkCode(t, err, "")
	early, err := n.Schedule(x, "2026-07-04 22:00", "Europe/Madrid", "early", time.LoadLocation)
	checkCode(t, err, "")
	apply(late)
	apply(early)
	lateID, earlyID := late[0].ID, early[0].ID
	lateAt := time.Date(2026, 7, 4, 21, 0, 0, 0, time.UTC)

	if got := n.List(); len(got) != 2 || got[0].NoticeID != earlyID || got[1].NoticeID != lateID {
		t.Fatalf("List: got %+v, want early then late", got)
	}
	if got := n.Due(lateAt.Add(-2 * time.Hour)); len(got) != 0 {
		t.Fatalf("Due before both: got %+v, want none", got)
	}
	if got := n.Due(lateAt.Add(-time.Minute)); len(got) != 1 || got[0].NoticeID != earlyID {
		t.Fatalf("Due between: got %+v, want early only", got)
	}
	if got := n.Fire(domain.Ctx{Now: lateAt.Add(-time.Minute), NewID: x.NewID}, lateID); len(got) != 0 {
		t.Fatalf("Fire before its time: got %s, want nothing", fmtPayloads(payloads(got)))
	}
	due := n.Due(lateAt)
	if got, want := len(due), 2; got != want {
		t.Fatalf("Due at: got %d, want %d", got, want)
	}

	fx := domain.Ctx{Now: lateAt, NewID: x.NewID}
	fired := n.Fire(fx, lateID)
	checkPayloads(t, fired, []domain.Payload{domain.NoticeFired{NoticeID: lateID, Text: "late"}})
	apply(fired)
	if got := n.Fire(fx, lateID); len(got) != 0 {
		t.Fatalf("second Fire: got %s, want nothing", fmtPayloads(payloads(got)))
	}
	if got := n.Due(lateAt.Add(time.Hour)); len(got) != 1 || got[0].NoticeID != earlyID {
		t.Fatalf("Due after firing late: got %+v, want early only", got)
	}
	if got := n.Fire(fx, "no-such-notice"); len(got) != 0 {
		t.Fatalf("Fire unknown: got %s, want nothing", fmtPayloads(payloads(got)))
	}
	if got, want := n.Version, seq; got != want {
		t.Errorf("version: got %d, want %d", got, want)
	}
}
