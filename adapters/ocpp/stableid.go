package ocpp

import (
	"encoding/binary"
	"strconv"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// eventID is the event id of a replayable message, stable over offline
// replay: domain.DerivedID of the charger, the kind "ocpp.<action>" and
// the message's own content (its fields and timestamp, in a fixed order).
// A charger that re-sends a queued message after a reconnect gets a new
// unique id but the same eventID, so the store keeps the fact once.
func eventID(chargerID, action string, parts ...string) string {
	return domain.DerivedID(chargerID, "ocpp."+action, replayKey(parts))
}

// replayKey joins parts, each prefixed with its length, so that ("ab","c")
// and ("a","bc") stay apart.
func replayKey(parts []string) string {
	n := 0
	for _, p := range parts {
		n += binary.MaxVarintLen64 + len(p)
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	return string(b)
}

// canonTime formats a timestamp for eventID so that one instant written
// with different offsets or precisions gives one id.
func canonTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// canonInt formats an optional integer for eventID.
func canonInt(p *int) string {
	if p == nil {
		return "-"
	}
	return strconv.Itoa(*p)
}
