package socketio

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chargebooth/chargebooth/adapters/livefeed"
	"github.com/chargebooth/chargebooth/domain"
)

// subRequest is a parsed subscribe / unsubscribe payload.
type subRequest struct {
	all       bool
	chargers  []string
	since     *uint64
	sinceTime *time.Time
}

// parseSubscribe reads {chargers: "*" | ["c1", …]} or {chargerId: "c1"},
// with an optional since (a stream sequence) or sinceTime (RFC 3339); a
// bare "*" or charger id string is taken too.
func parseSubscribe(v any) (subRequest, error) {
	var r subRequest
	switch x := v.(type) {
	case string:
		return parseSubscribe(map[string]any{"chargers": x})
	case map[string]any:
		for k, val := range x {
			switch k {
			case "chargers", "chargerId":
				if err := r.addChargers(k, val); err != nil {
					return subRequest{}, err
				}
			case "since":
				n, err := parseSeq(val)
				if err != nil {
					return subRequest{}, err
				}
				r.since = &n
			case "sinceTime":
				s, ok := val.(string)
				t, err := time.Parse(time.RFC3339Nano, s)
				if !ok || err != nil {
					return subRequest{}, domain.Errorf(domain.CodeInvalidInput, "sinceTime must be an RFC 3339 time such as 2026-07-04T21:00:00Z")
				}
				r.sinceTime = &t
			default:
				return subRequest{}, domain.Errorf(domain.CodeInvalidInput, "unknown field %q (use chargers, chargerId, since or sinceTime)", k)
			}
		}
	default:
		return subRequest{}, domain.Errorf(domain.CodeInvalidInput, `subscribe takes {chargers: ["c1234"]} or {chargers: "*"}`)
	}
	if !r.all && len(r.chargers) == 0 && r.since == nil && r.sinceTime == nil {
		return subRequest{}, domain.Errorf(domain.CodeInvalidInput, `name the chargers: {chargers: ["c1234"]} or {chargers: "*"}`)
	}
	if err := (livefeed.Filter{Since: r.since, SinceTime: r.sinceTime}).Check(); err != nil {
		return subRequest{}, err
	}
	return r, nil
}

func (r *subRequest) addChargers(field string, v any) error {
	var ids []string
	switch x := v.(type) {
	case string:
		ids = []string{x}
	case []any:
		if len(x) > maxSubs {
			return domain.Errorf(domain.CodeInvalidInput, "at most %d chargers per socket; subscribe to \"*\" instead", maxSubs)
		}
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return domain.Errorf(domain.CodeInvalidInput, "%s must hold charger ids (strings)", field)
			}
			ids = append(ids, s)
		}
	default:
		return domain.Errorf(domain.CodeInvalidInput, `%s must be a charger id, a list of them or "*"`, field)
	}
	if err := livefeed.CheckChargers(ids); err != nil {
		return err
	}
	for _, id := range ids {
		if id == livefeed.All {
			r.all = true
			continue
		}
		r.chargers = append(r.chargers, id)
	}
	return nil
}

// parseSeq reads a stream sequence given as a whole number or a decimal
// string (the offsets the events carry).
func parseSeq(v any) (uint64, error) {
	bad := domain.Errorf(domain.CodeInvalidInput, "since must be a stream sequence (a whole number of 0 or more, as the events' seq)")
	switch x := v.(type) {
	case float64:
		if x < 0 || x != math.Trunc(x) || x > 1<<53 {
			return 0, bad
		}
		return uint64(x), nil
	case string:
		n, err := strconv.ParseUint(x, 10, 64)
		if err != nil {
			return 0, bad
		}
		return n, nil
	case json.Number:
		n, err := strconv.ParseUint(x.String(), 10, 64)
		if err != nil {
			return 0, bad
		}
		return n, nil
	}
	return 0, bad
}

// reminderCommand is a parsed reminder-protocol command.
type reminderCommand struct {
	name string
	// for scheduleEvent
	time, timeZone, eventName string
}

// Reminder-protocol answers.
const (
	failInvalid      = "Invalid message passed. Send an object with a command, such as {command: 'getAllTimeZones'} or {command: 'scheduleEvent', data: {time: 'YYYY-MM-DD HH:mm', timeZone: 'America/Toronto', eventName: '…'}}."
	failInvalidData  = "Invalid message passed. scheduleEvent needs data: {time: 'YYYY-MM-DD HH:mm', timeZone: 'America/Toronto', eventName: '…'}, all three strings."
	failUnrecognized = "un-recognized command"
)

// parseReminder reads the payload of a command emit; a non-empty failure
// is the protocol's error sentence.
func parseReminder(v any) (reminderCommand, string) {
	m, ok := v.(map[string]any)
	if !ok {
		return reminderCommand{}, failInvalid
	}
	name, ok := m["command"].(string)
	if !ok || name == "" {
		return reminderCommand{}, failInvalid
	}
	switch name {
	case "getAllTimeZones":
		return reminderCommand{name: name}, ""
	case "scheduleEvent":
		d, ok := m["data"].(map[string]any)
		if !ok {
			return reminderCommand{}, failInvalidData
		}
		c := reminderCommand{name: name}
		var ok1, ok2, ok3 bool
		c.time, ok1 = d["time"].(string)
		c.timeZone, ok2 = d["timeZone"].(string)
		c.eventName, ok3 = d["eventName"].(string)
		if !ok1 || !ok2 || !ok3 {
			return reminderCommand{}, failInvalidData
		}
		return c, ""
	}
	return reminderCommand{}, failUnrecognized
}

// reminderLayout is the reminder protocol's local time, 2026-07-04 23:00:
// a notice's (domain.NoticeLayout).
const reminderLayout = domain.NoticeLayout

// reminderTime resolves a scheduleEvent's local time in its zone at now;
// a non-empty failure says what is wrong with it.
func reminderTime(local, zone string, now time.Time) (time.Time, string) {
	loc, err := loadZone(zone)
	if err != nil {
		return time.Time{}, fmt.Sprintf("Unknown time zone %q: use an IANA name from getAllTimeZones, such as America/Toronto.", truncate(zone, 64))
	}
	t, err := time.ParseInLocation(reminderLayout, strings.TrimSpace(local), loc)
	if err != nil {
		return time.Time{}, fmt.Sprintf("Invalid time %q: expected YYYY-MM-DD HH:mm, such as 2026-07-04 23:00.", truncate(local, 64))
	}
	if t.Before(now.Truncate(time.Minute)) {
		return time.Time{}, fmt.Sprintf("The time %s in %s is in the past: it is %s there now.", t.Format(reminderLayout), zone, now.In(loc).Format(reminderLayout))
	}
	if t.After(now.Add(domain.NoticeHorizon)) {
		return time.Time{}, fmt.Sprintf("The time %s in %s is more than a year ahead.", t.Format(reminderLayout), zone)
	}
	return t, ""
}

// truncate shortens what a failure quotes back.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func sortStrings(s []string) []string {
	sort.Strings(s)
	return s
}
