package domain

import (
	"crypto/sha256"

	"github.com/oklog/ulid/v2"
)

// MaxIDLen is the longest charger or widget id.
const MaxIDLen = 48

// ValidateDeviceID checks a charger or widget id: 1–48 characters of
// A-Z a-z 0-9 . _ -.
func ValidateDeviceID(kind, id string) error {
	if id == "" {
		return Errorf(CodeInvalidID, "%s id is empty", kind)
	}
	if len(id) > MaxIDLen {
		return Errorf(CodeInvalidID, "%s id is longer than %d characters", kind, MaxIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return Errorf(CodeInvalidID, "%s id may only hold A-Z a-z 0-9 . _ - (got %q)", kind, id)
		}
	}
	return nil
}

// KindReading is the DerivedID kind of a reading that carries the
// charger's own reading id (the simple protocol's "id", an OCPP SoC
// sample's replay id).
const KindReading = "reading"

// DerivedID returns the event id of a fact that may be reported more than
// once: a reading re-sent with the same id, an OCPP message replayed after
// a reconnect. The same charger, kind and key give the same id, so the
// store and the charger's recent ids (Charger.Seen) keep the fact once.
//
// It is the first 16 bytes of SHA-256 over kind, chargerID and key joined
// by NUL bytes, in ULID text form (its time bits carry no meaning). Kinds
// are constants and charger ids pass ValidateDeviceID, so neither holds a
// NUL and any key is unambiguous. A reading's id is DerivedID(chargerID,
// KindReading, readingID), the same as before this function had its name.
func DerivedID(chargerID, kind, key string) string {
	var buf [256]byte // the usual input fits: no allocation but the id
	b := append(buf[:0], kind...)
	b = append(b, 0)
	b = append(b, chargerID...)
	b = append(b, 0)
	b = append(b, key...)
	h := sha256.Sum256(b)
	var u ulid.ULID
	copy(u[:], h[:16])
	return u.String()
}

// IDSource makes new event and session ids.
type IDSource func() string
