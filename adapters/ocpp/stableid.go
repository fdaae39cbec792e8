package ocpp

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"time"
)

// StableID derives a 16-byte event id from a charger id, an action and the
// message's own content (its fields and timestamp, in a fixed order). A
// charger that re-sends a queued message after a reconnect gets a new
// unique id but the same StableID, so the store keeps the fact once.
//
// It is the first 16 bytes of SHA-256 over the length-prefixed chargerID,
// action and parts (length prefixes keep ("ab","c") and ("a","bc") apart).
// The 16 bytes fit a ULID as they are.
func StableID(chargerID, action string, parts ...string) [16]byte {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	write := func(s string) {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		h.Write([]byte(s))
	}
	write(chargerID)
	write(action)
	for _, p := range parts {
		write(p)
	}
	var id [16]byte
	copy(id[:], h.Sum(nil))
	return id
}

// eventID is StableID in lower-case hex, as handed to the Backend.
func eventID(chargerID, action string, parts ...string) string {
	id := StableID(chargerID, action, parts...)
	return hex.EncodeToString(id[:])
}

// canonTime formats a timestamp for StableID so that one instant written
// with different offsets or precisions gives one id.
func canonTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// canonInt formats an optional integer for StableID.
func canonInt(p *int) string {
	if p == nil {
		return "-"
	}
	return strconv.Itoa(*p)
}
