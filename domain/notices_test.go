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
		{name: "Madrid winter", at: "2026-01-10 23:00", tz: "Europe/Madrid", text: "x", wantAt: time.Date(2026, 1, 10, 22, 0, 0, 0, time.UTC)},
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
