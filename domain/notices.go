package domain

import (
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on notices.
const (
	// MaxNoticeText bounds a notice's text.
	MaxNoticeText = 500
	// MaxScheduledNotices bounds the notices scheduled and not fired yet:
	// the board, the live feed and the reminder loop hold every one.
	MaxScheduledNotices = 1000
	// NoticeGrace is how far in the past a notice may be set: the minute
	// staff typed may have begun before they sent it. It fires at once.
	NoticeGrace = 5 * time.Minute
	// NoticeHorizon is how far ahead a notice may be set.
	NoticeHorizon = 366 * 24 * time.Hour
)

// CodeTooManyNotices refuses a notice while MaxScheduledNotices are
// waiting to fire.
const CodeTooManyNotices = "too_many_notices"

// Notice is a scheduled staff notice.
type Notice struct {
	NoticeScheduled
	Fired bool `json:"fired"`
}

// Notices is the aggregate of scheduled notices; firing goes through it so
// that a notice fires once, across restarts and instances.
type Notices struct {
	Version uint64
	ByID    map[string]*Notice
}

// NewNotices returns the empty aggregate.
func NewNotices() *Notices { return &Notices{ByID: map[string]*Notice{}} }

// Apply folds a notice event.
func (n *Notices) Apply(e Event) {
	if e.Seq > n.Version {
		n.Version = e.Seq
	}
	switch d := e.Data.(type) {
	case NoticeScheduled:
		n.ByID[d.NoticeID] = &Notice{NoticeScheduled: d}
	case NoticeFired:
		if v, ok := n.ByID[d.NoticeID]; ok {
			v.Fired = true
		}
	}
}

// List returns the notices ordered by time.
func (n *Notices) List() []Notice {
	out := make([]Notice, 0, len(n.ByID))
	for _, v := range n.ByID {
		out = append(out, *v)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].NoticeID < out[j].NoticeID
	})
	return out
}

// NoticeLayout is the local wall-clock form staff type: "2026-07-04 23:00".
const NoticeLayout = "2006-01-02 15:04"

// Schedule decides a new notice at local time at in the IANA zone tz.
// loc resolves a zone name (time.LoadLocation, passed in to keep domain
// free of the system's zone database).
func (n *Notices) Schedule(x Ctx, at, tz, text string, loc func(string) (*time.Location, error)) ([]Event, error) {
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > MaxNoticeText {
		return nil, Errorf(CodeInvalidInput, "text must hold 1 to %d characters", MaxNoticeText)
	}
	if err := CheckText("text", text, true); err != nil {
		return nil, err
	}
	if tz == "" {
		return nil, Errorf(CodeInvalidInput, "timeZone is required (an IANA name such as Europe/Madrid)")
	}
	l, err := loc(tz)
	if err != nil {
		return nil, Errorf(CodeInvalidInput, "unknown timeZone %q", tz)
	}
	t, err := time.ParseInLocation(NoticeLayout, at, l)
	if err != nil {
		return nil, Errorf(CodeInvalidInput, "at must look like 2026-07-04 23:00 (got %q)", at)
	}
	if from, to := x.Now.Add(-NoticeGrace), x.Now.Add(NoticeHorizon); t.Before(from) || t.After(to) {
		return nil, Errorf(CodeInvalidInput, "at must lie between %s and %s in %s, from %d minutes ago to a year ahead (got %s)",
			from.In(l).Format(NoticeLayout), to.In(l).Format(NoticeLayout), tz, int(NoticeGrace/time.Minute), at)
	}
	if waiting := n.Scheduled(); waiting >= MaxScheduledNotices {
		return nil, Errorf(CodeTooManyNotices, "too many scheduled notices (%d); wait for some to fire", MaxScheduledNotices)
	}
	id := x.NewID()
	e := NewEvent(id, x.Now, "", "", NoticeScheduled{NoticeID: id, At: t.UTC(), LocalTime: at, TimeZone: tz, Text: text})
	return []Event{e}, nil
}

// Scheduled returns how many notices are waiting to fire.
func (n *Notices) Scheduled() int {
	waiting := 0
	for _, v := range n.ByID {
		if !v.Fired {
			waiting++
		}
	}
	return waiting
}

// Due returns the notices due at now and not fired yet.
func (n *Notices) Due(now time.Time) []Notice {
	var out []Notice
	for _, v := range n.List() {
		if !v.Fired && !v.At.After(now) {
			out = append(out, v)
		}
	}
	return out
}

// Fire decides that a due notice fires; nothing when it already fired.
func (n *Notices) Fire(x Ctx, id string) []Event {
	v, ok := n.ByID[id]
	if !ok || v.Fired || v.At.After(x.Now) {
		return nil
	}
	return []Event{NewEvent(x.NewID(), x.Now, "", "", NoticeFired{NoticeID: id, Text: v.Text})}
}
