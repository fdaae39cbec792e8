package charger

import "time"

// Observer hears what the charger edge does, for metrics. Every method must
// be cheap and safe for concurrent use.
type Observer interface {
	// Connected is called with +1 when a charger socket opens and -1 when it
	// closes.
	Connected(protocol string, delta int)
	// Reading reports a reading: code is "" when it was stored, else the
	// error code sent back.
	Reading(code string)
	// Appended reports how long storing a reading took.
	Appended(d time.Duration)
}

type nopObserver struct{}

func (nopObserver) Connected(string, int)  {}
func (nopObserver) Reading(string)         {}
func (nopObserver) Appended(time.Duration) {}
