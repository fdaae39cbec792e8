package livefeed

import (
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// All is the charger "id" that subscribes to every charger.
const All = "*"

// MaxChargers bounds the chargers one Sub filters by; subscribe to All
// instead.
const MaxChargers = 1024

// Filter says what a Sub delivers.
type Filter struct {
	// Chargers are the charger ids whose events are delivered; All ("*")
	// delivers every event. Notices and pairings (notice.*, pairing.*) go
	// to every Sub whatever it filters. Empty: only those.
	Chargers []string
	// Since, when set, asks for recovery: first every matching event with
	// a sequence above *Since, from the stream, then live.
	Since *uint64
	// SinceTime, when set, asks for recovery from the first event stored
	// at or after it (the stream's own timestamps). At most one of Since
	// and SinceTime.
	SinceTime *time.Time
}

// recovers reports whether f asks for recovery.
func (f Filter) recovers() bool { return f.Since != nil || f.SinceTime != nil }

// Check returns a domain error (code invalid_input or invalid_id) saying
// what is wrong with f, or nil.
func (f Filter) Check() error {
	if f.Since != nil && f.SinceTime != nil {
		return domain.Errorf(domain.CodeInvalidInput, "give since or sinceTime, not both")
	}
	if f.SinceTime != nil && f.SinceTime.IsZero() {
		return domain.Errorf(domain.CodeInvalidInput, "sinceTime must be a time")
	}
	if len(f.Chargers) > MaxChargers {
		return domain.Errorf(domain.CodeInvalidInput, "too many chargers (%d, at most %d); subscribe to \"*\" instead", len(f.Chargers), MaxChargers)
	}
	return CheckChargers(f.Chargers)
}

// CheckChargers returns a domain error for the first id that is neither
// All nor a valid charger id.
func CheckChargers(ids []string) error {
	for _, id := range ids {
		if id == All {
			continue
		}
		if err := domain.ValidateDeviceID("charger", id); err != nil {
			return err
		}
	}
	return nil
}

// chargerSet is a Sub's filter, guarded by the Sub's lock.
type chargerSet struct {
	all bool
	ids map[string]bool
}

func (s *chargerSet) add(ids []string) {
	for _, id := range ids {
		if id == All {
			s.all = true
			continue
		}
		if s.ids == nil {
			s.ids = map[string]bool{}
		}
		s.ids[id] = true
	}
}

func (s *chargerSet) remove(ids []string) {
	for _, id := range ids {
		if id == All {
			s.all = false
			clear(s.ids)
			continue
		}
		delete(s.ids, id)
	}
}

// wants reports whether an event of type typ on chargerID passes.
func (s *chargerSet) wants(typ, chargerID string) bool {
	return s.all || chargerID != "" && s.ids[chargerID] || broadcast(typ)
}
