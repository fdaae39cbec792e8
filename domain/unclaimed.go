package domain

import (
	"fmt"
	"time"
)

// TypeSessionUnclaimed marks a phone still at the booth at closing time.
const TypeSessionUnclaimed = "session.unclaimed"

// KindUnclaimed is the DerivedID kind of a session.unclaimed event.
const KindUnclaimed = "session.unclaimed"

// SessionUnclaimed records that a session was not handed back by the
// booth's closing time. It is raised once per session per night; the
// session stays open and collectable the next day.
type SessionUnclaimed struct {
	// Night names the closing it was raised at: the closing's local date
	// and time ("2026-07-05 02:00").
	Night string `json:"night"`
	// ClosesAt is the closing instant.
	ClosesAt time.Time `json:"closesAt"`
	// TimeZone is the IANA zone Night is written in.
	TimeZone string `json:"timeZone"`
}

// EventType implements Payload.
func (SessionUnclaimed) EventType() string { return TypeSessionUnclaimed }

func init() { Register[SessionUnclaimed](TypeSessionUnclaimed, 1) }

// ClosingLayout is how a closing is named (SessionUnclaimed.Night).
const ClosingLayout = "2006-01-02 15:04"

// Closing is the booth's daily closing time in a zone.
type Closing struct {
	Hour, Minute int
	Loc          *time.Location
}

// ParseClosing reads "HH:MM" (00:00 to 23:59) in loc.
func ParseClosing(hhmm string, loc *time.Location) (Closing, error) {
	var h, m int
	if len(hhmm) != 5 || hhmm[2] != ':' {
		return Closing{}, Errorf(CodeInvalidInput, "closing time must look like 02:00 (got %.20q)", hhmm)
	}
	if _, err := fmt.Sscanf(hhmm, "%02d:%02d", &h, &m); err != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return Closing{}, Errorf(CodeInvalidInput, "closing time must be 00:00 to 23:59 (got %.20q)", hhmm)
	}
	for _, c := range []byte{hhmm[0], hhmm[1], hhmm[3], hhmm[4]} {
		if c < '0' || c > '9' {
			return Closing{}, Errorf(CodeInvalidInput, "closing time must be 00:00 to 23:59 (got %.20q)", hhmm)
		}
	}
	if loc == nil {
		loc = time.UTC
	}
	return Closing{Hour: h, Minute: m, Loc: loc}, nil
}

// Last returns the latest closing at or before now. On a day the clock
// skips the closing time (daylight saving), the closing is the instant
// time.Date normalises it to.
func (c Closing) Last(now time.Time) time.Time {
	loc := c.Loc
	if loc == nil {
		loc = time.UTC
	}
	l := now.In(loc)
	t := time.Date(l.Year(), l.Month(), l.Day(), c.Hour, c.Minute, 0, 0, loc)
	if t.After(now) {
		t = time.Date(l.Year(), l.Month(), l.Day()-1, c.Hour, c.Minute, 0, 0, loc)
	}
	return t
}

// Night names the closing at t (see SessionUnclaimed.Night).
func (c Closing) Night(t time.Time) string {
	loc := c.Loc
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(ClosingLayout)
}

// String is the closing as a flag takes it.
func (c Closing) String() string {
	name := "UTC"
	if c.Loc != nil {
		name = c.Loc.String()
	}
	return fmt.Sprintf("%02d:%02d %s", c.Hour, c.Minute, name)
}

// MarkUnclaimed decides the unclaimed mark of the open session at the
// closing at closesAt: once per session and night, only for a session
// opened before the closing. Its id is derived from the charger, the
// session and the night, so two instances deciding it store it once.
func (c *Charger) MarkUnclaimed(x Ctx, cl Closing, closesAt time.Time) []Event {
	s := c.Session
	if s == nil || !s.OpenedAt.Before(closesAt) {
		return nil
	}
	night := cl.Night(closesAt)
	if s.UnclaimedNight == night {
		return nil
	}
	id := DerivedID(c.ID, KindUnclaimed, s.ID+"\x00"+night)
	tz := "UTC"
	if cl.Loc != nil {
		tz = cl.Loc.String()
	}
	return []Event{NewEvent(id, x.Now, c.ID, s.ID, SessionUnclaimed{Night: night, ClosesAt: closesAt.UTC(), TimeZone: tz})}
}
