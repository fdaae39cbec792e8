package domain

import "time"

// Limits on a reading's own sample time (OCPP MeterValues carry one; the
// simple protocol does not). A sample time outside them is not believed:
// the reading takes its arrival time and says why (SoCReported.TimeNote).
const (
	// FutureTolerance is how far ahead of the server's clock a sample time
	// may be (charger clocks drift).
	FutureTolerance = 5 * time.Minute
	// MaxSampleAge is how old a sample may be: a charger replays what it
	// queued while offline, not last week.
	MaxSampleAge = 24 * time.Hour
)

// Why a reading's sample time was not used (SoCReported.TimeNote).
const (
	TimeNoteFuture        = "sample_time_in_future"
	TimeNoteBeforeSession = "sample_time_before_session"
	TimeNoteTooOld        = "sample_time_too_old"
)

// readingTime decides the time a reading is recorded at: its sample time
// when it has a believable one, else the arrival time now; note says why
// a sample time was not used. A sample time is not believable when it is
// beyond FutureTolerance ahead of now, older than MaxSampleAge, before
// the open session opened, or (no session open) before the last session
// closed — that reading belonged to the phone before.
func (c *Charger) readingTime(sampled, now time.Time) (at time.Time, note string) {
	if sampled.IsZero() {
		return now, ""
	}
	switch {
	case sampled.After(now.Add(FutureTolerance)):
		return now, TimeNoteFuture
	case sampled.Before(now.Add(-MaxSampleAge)):
		return now, TimeNoteTooOld
	case c.Session != nil && sampled.Before(c.Session.OpenedAt):
		return now, TimeNoteBeforeSession
	case c.Session == nil && sampled.Before(c.ClosedAt):
		return now, TimeNoteBeforeSession
	}
	if sampled.After(now) {
		return now, "" // within the tolerance: the charger's clock is a little ahead
	}
	return sampled.UTC(), ""
}
