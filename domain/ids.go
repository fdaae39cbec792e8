package domain

import (
	"crypto/sha256"
	"strings"

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

// DeriveID returns a stable event id for a fact that may be reported more
// than once (a reading re-sent with the same id, an OCPP message replayed
// after a reconnect). It has the ULID text form; its time bits carry no
// meaning.
func DeriveID(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	var u ulid.ULID
	copy(u[:], h[:16])
	return u.String()
}

// IDSource makes new event and session ids.
type IDSource func() string
