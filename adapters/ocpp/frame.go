package ocpp

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// MessageType is the first element of an OCPP-J frame.
type MessageType int

// The three OCPP-J message types.
const (
	// TypeCall is a request: [2, id, action, payload].
	TypeCall MessageType = 2
	// TypeCallResult is a successful answer: [3, id, payload].
	TypeCallResult MessageType = 3
	// TypeCallError is an error answer: [4, id, code, description, details].
	TypeCallError MessageType = 4
)

// MaxIDLen is the longest unique id OCPP-J allows.
const MaxIDLen = 36

// Frame is one parsed OCPP-J message. Which fields are set depends on Type:
// a CALL has Action and Payload, a CALLRESULT has Payload, a CALLERROR has
// ErrorCode (normalized with NormalizeCode), ErrorDescription and
// ErrorDetails.
type Frame struct {
	Type             MessageType
	ID               string
	Action           string
	Payload          json.RawMessage
	ErrorCode        ErrorCode
	ErrorDescription string
	ErrorDetails     json.RawMessage
}

// ParseFrame parses one OCPP-J text frame. A frame that is not valid
// OCPP-J yields a *ProtocolError: FormationViolation when it is not JSON,
// not an array, or has the wrong number or types of elements; ProtocolError
// for an unknown message type or a unique id longer than MaxIDLen.
func ParseFrame(data []byte) (Frame, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal(data, &elems); err != nil {
		if !json.Valid(data) {
			return Frame{}, formation(UnknownID, 0, "frame is not valid JSON")
		}
		return Frame{}, formation(UnknownID, 0, "frame is not a JSON array")
	}
	if len(elems) < 3 {
		return Frame{}, formation(recoverID(elems), recoverType(elems), "frame has %d elements, want at least 3", len(elems))
	}
	var typ int
	if err := json.Unmarshal(elems[0], &typ); err != nil {
		return Frame{}, formation(recoverID(elems), 0, "message type is not an integer")
	}
	var id string
	if err := json.Unmarshal(elems[1], &id); err != nil {
		return Frame{}, formation(UnknownID, MessageType(typ), "unique id is not a string")
	}
	if id == "" {
		return Frame{}, &ProtocolError{ID: UnknownID, Type: MessageType(typ), Code: CodeProtocolError, Description: "unique id is empty"}
	}
	if len(id) > MaxIDLen {
		return Frame{}, &ProtocolError{ID: id, Type: MessageType(typ), Code: CodeProtocolError,
			Description: fmt.Sprintf("unique id is %d characters, at most %d allowed", len(id), MaxIDLen)}
	}
	f := Frame{Type: MessageType(typ), ID: id}
	switch f.Type {
	case TypeCall:
		return parseCall(f, elems)
	case TypeCallResult:
		return parseCallResult(f, elems)
	case TypeCallError:
		return parseCallError(f, elems)
	}
	return Frame{}, &ProtocolError{ID: id, Code: CodeProtocolError, Description: fmt.Sprintf("unknown message type %d", typ)}
}

func parseCall(f Frame, elems []json.RawMessage) (Frame, error) {
	if len(elems) != 4 {
		return Frame{}, formation(f.ID, f.Type, "CALL has %d elements, want 4", len(elems))
	}
	if err := json.Unmarshal(elems[2], &f.Action); err != nil || f.Action == "" {
		return Frame{}, formation(f.ID, f.Type, "action is not a non-empty string")
	}
	if !isObject(elems[3]) {
		return Frame{}, formation(f.ID, f.Type, "payload is not a JSON object")
	}
	f.Payload = elems[3]
	return f, nil
}

func parseCallResult(f Frame, elems []json.RawMessage) (Frame, error) {
	if len(elems) != 3 {
		return Frame{}, formation(f.ID, f.Type, "CALLRESULT has %d elements, want 3", len(elems))
	}
	if !isObject(elems[2]) {
		return Frame{}, formation(f.ID, f.Type, "payload is not a JSON object")
	}
	f.Payload = elems[2]
	return f, nil
}

func parseCallError(f Frame, elems []json.RawMessage) (Frame, error) {
	if len(elems) != 5 {
		return Frame{}, formation(f.ID, f.Type, "CALLERROR has %d elements, want 5", len(elems))
	}
	var code string
	if err := json.Unmarshal(elems[2], &code); err != nil {
		return Frame{}, formation(f.ID, f.Type, "error code is not a string")
	}
	if err := json.Unmarshal(elems[3], &f.ErrorDescription); err != nil {
		return Frame{}, formation(f.ID, f.Type, "error description is not a string")
	}
	if !isObject(elems[4]) {
		return Frame{}, formation(f.ID, f.Type, "error details is not a JSON object")
	}
	f.ErrorCode = NormalizeCode(code)
	f.ErrorDetails = elems[4]
	return f, nil
}

// recoverID returns the unique id of a malformed frame when its second
// element is a usable id, else UnknownID.
func recoverID(elems []json.RawMessage) string {
	if len(elems) < 2 {
		return UnknownID
	}
	var id string
	if err := json.Unmarshal(elems[1], &id); err != nil || id == "" || len(id) > MaxIDLen {
		return UnknownID
	}
	return id
}

// recoverType returns the message type of a malformed frame when its
// first element is an integer, else 0.
func recoverType(elems []json.RawMessage) MessageType {
	var typ int
	if len(elems) == 0 || json.Unmarshal(elems[0], &typ) != nil {
		return 0
	}
	return MessageType(typ)
}

func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	return len(raw) > 0 && raw[0] == '{'
}

func formation(id string, typ MessageType, format string, args ...any) *ProtocolError {
	return &ProtocolError{ID: id, Type: typ, Code: CodeFormationViolation, Description: fmt.Sprintf(format, args...)}
}

// EncodeCall encodes a CALL frame; payload is marshalled to a JSON object.
func EncodeCall(id, action string, payload any) ([]byte, error) {
	p, err := marshalObject(payload)
	if err != nil {
		return nil, fmt.Errorf("encode call %s: %w", action, err)
	}
	return json.Marshal([]any{TypeCall, id, action, p})
}

// EncodeCallResult encodes a CALLRESULT frame; payload is marshalled to a
// JSON object.
func EncodeCallResult(id string, payload any) ([]byte, error) {
	p, err := marshalObject(payload)
	if err != nil {
		return nil, fmt.Errorf("encode call result: %w", err)
	}
	return json.Marshal([]any{TypeCallResult, id, p})
}

// EncodeCallError encodes a CALLERROR frame. A nil or empty details is
// sent as {}; the code is sent as given (use the Code constants, so
// FormationViolation and OccurenceConstraintViolation go out in their 1.6
// spellings).
func EncodeCallError(id string, code ErrorCode, description string, details json.RawMessage) ([]byte, error) {
	d := json.RawMessage("{}")
	if isObject(details) && json.Valid(details) {
		d = details
	}
	return json.Marshal([]any{TypeCallError, id, code, description, d})
}

// marshalObject marshals v and checks it is a JSON object; nil becomes {}.
func marshalObject(v any) (json.RawMessage, error) {
	if v == nil {
		return json.RawMessage("{}"), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if !isObject(b) {
		return nil, fmt.Errorf("payload %T is not a JSON object", v)
	}
	return b, nil
}
