package eventstore

import (
	"fmt"

	"github.com/chargebooth/chargebooth/domain"
)

// decode reads one stored event and stamps it with its stream sequence.
// A stored event that does not decode is an error, never skipped: nothing
// is silently lost.
func decode(data []byte, seq uint64) (domain.Event, error) {
	var e domain.Event
	if err := e.UnmarshalJSON(data); err != nil {
		return domain.Event{}, fmt.Errorf("stream sequence %d: %w", seq, err)
	}
	e.Seq = seq
	return e, nil
}
