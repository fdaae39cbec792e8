package eventstore

import (
	"github.com/chargebooth/chargebooth/domain"
)

// decode reads one stored event and stamps it with its stream sequence.
// What this build cannot read (an unknown type, a newer schema, broken
// bytes) comes back with a domain.Opaque payload rather than an error, so
// one such event never stops a follower or a load; the event is kept in
// the stream as it was written.
func decode(data []byte, seq uint64) domain.Event {
	return domain.DecodeStored(data, seq)
}
