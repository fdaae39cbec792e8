package domain

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Reasons an event is kept as Opaque.
const (
	// OpaqueUnknownType: this build has no decoder for the event's type
	// (a newer instance wrote it during a rolling upgrade).
	OpaqueUnknownType = "unknown type"
	// OpaqueNewerSchema: the type is known but its payload was written at
	// a newer schema version whose shape this build cannot read.
	OpaqueNewerSchema = "newer schema"
	// OpaqueUndecodable: the stored bytes are not an event this build can
	// read (broken JSON, a data shape that does not match the type).
	OpaqueUndecodable = "undecodable"
)

// Opaque is the payload of a stored event this build cannot fold: its type
// is unknown, its schema newer than this build reads, its bytes do not
// decode, or its payload breaks the domain's invariants (quarantined, see
// OpaqueInvalid). Aggregates and read models skip it (their version and sequence
// still advance past it); it is counted and shown as is by replay, so an
// older instance keeps serving beside a newer one and nothing stored is
// silently lost.
type Opaque struct {
	// Type is the event type as stored ("" when not even the envelope
	// decodes).
	Type string
	// Reason is one of the Opaque… constants.
	Reason string
	// Detail says what exactly did not decode, or which invariant the
	// payload breaks, for logs and replay.
	Detail string
	// Code is the error code of the broken invariant (such as
	// "invalid_amount") when Reason is OpaqueInvalid, else "".
	Code string
	// Raw is the event's data as stored (the whole message when the
	// envelope itself did not decode).
	Raw json.RawMessage
}

// EventType implements Payload: the stored type, or "?" for bytes without
// one.
func (o Opaque) EventType() string {
	if o.Type == "" {
		return "?"
	}
	return o.Type
}

// MarshalJSON writes the stored data back unchanged, so an opaque event
// re-encoded (the live feed, replay --json) carries what its writer wrote.
func (o Opaque) MarshalJSON() ([]byte, error) {
	if len(o.Raw) == 0 || !json.Valid(o.Raw) {
		return json.Marshal(map[string]string{"opaque": string(o.Raw), "reason": o.Reason})
	}
	return o.Raw, nil
}

// String is the one-line form replay prints.
func (o Opaque) String() string {
	raw := o.Raw
	if !utf8.Valid(raw) {
		return fmt.Sprintf("%s (%s) %q", o.Reason, o.Detail, raw)
	}
	if o.Detail != "" {
		return fmt.Sprintf("%s (%s) %s", o.Reason, o.Detail, raw)
	}
	return fmt.Sprintf("%s %s", o.Reason, raw)
}

// IsOpaque reports whether e could not be decoded by this build (or was
// quarantined as invalid).
func (e Event) IsOpaque() bool {
	_, ok := e.Data.(Opaque)
	return ok
}

// Quarantined reports whether the opaque payload is an event quarantined
// for breaking the domain's invariants, rather than one this build cannot
// read.
func (o Opaque) Quarantined() bool { return o.Reason == OpaqueInvalid }

// DecodeStored decodes a stored event and never fails: what this build
// cannot read becomes an event with an Opaque payload (with as much of the
// envelope as decoded), stamped with seq. An event that decodes but fails
// ValidateEvent (a negative or fractional payment, a pairing of an invalid
// id) is quarantined the same way, with Reason OpaqueInvalid and the
// broken rule in Detail and Code. The store uses it, so one unreadable or
// forged event never stops a follower and is never folded.
func DecodeStored(b []byte, seq uint64) Event {
	var e Event
	if err := e.UnmarshalJSON(b); err != nil {
		var env envelope[json.RawMessage]
		if json.Unmarshal(b, &env) != nil {
			e = Event{Data: Opaque{Reason: OpaqueUndecodable, Detail: err.Error(), Raw: append(json.RawMessage(nil), b...)}}
		} else {
			e = env.event(Opaque{Type: env.Type, Reason: OpaqueUndecodable, Detail: err.Error(), Raw: env.Data})
		}
	} else if err := ValidateEvent(e); err != nil {
		var env envelope[json.RawMessage]
		_ = json.Unmarshal(b, &env) // it decoded once already
		e.Data = Opaque{Type: e.Type, Reason: OpaqueInvalid, Detail: err.Error(), Code: ErrorCode(err), Raw: env.Data}
	}
	e.Seq = seq
	return e
}
