package socketio

import (
	"net/http"
	"time"
)

// Test hooks: the pure parsers, for the external tests.

// SubRequest is a parsed subscribe payload, for tests.
type SubRequest struct {
	All       bool
	Chargers  []string
	Since     *uint64
	SinceTime *time.Time
}

func ParseSubscribe(v any) (SubRequest, error) {
	r, err := parseSubscribe(v)
	return SubRequest{All: r.all, Chargers: r.chargers, Since: r.since, SinceTime: r.sinceTime}, err
}

func ParseReminder(v any) (name, tm, zone, event, failure string) {
	c, f := parseReminder(v)
	return c.name, c.time, c.timeZone, c.eventName, f
}

func ReminderTime(local, zone string, now time.Time) (time.Time, string) {
	return reminderTime(local, zone, now)
}

func HandshakeToken(auth map[string]any, r *http.Request) (string, bool) {
	return handshakeToken(auth, r)
}

const MaxSubs = maxSubs

var CheckPathID = checkPathID
