package ocpp

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ErrorCode is an OCPP-J RPC error code, as carried by a CALLERROR.
type ErrorCode string

// The OCPP 1.6J error codes. The spellings are those of the 1.6 JSON
// specification; NormalizeCode maps the variants seen in the field.
const (
	// CodeNotImplemented: the requested action is not known.
	CodeNotImplemented ErrorCode = "NotImplemented"
	// CodeNotSupported: the action is known but not supported.
	CodeNotSupported ErrorCode = "NotSupported"
	// CodeInternalError: the receiver failed while handling the action.
	CodeInternalError ErrorCode = "InternalError"
	// CodeProtocolError: the payload or frame is incomplete or breaks the RPC rules.
	CodeProtocolError ErrorCode = "ProtocolError"
	// CodeSecurityError: a security issue stopped the action.
	CodeSecurityError ErrorCode = "SecurityError"
	// CodeFormationViolation: the frame or payload is syntactically wrong.
	CodeFormationViolation ErrorCode = "FormationViolation"
	// CodePropertyConstraintViolation: a field holds a value out of range,
	// not in its enumeration, too long, or badly formatted.
	CodePropertyConstraintViolation ErrorCode = "PropertyConstraintViolation"
	// CodeOccurenceConstraintViolation: a required field is missing (the
	// 1.6 spelling, with one "r").
	CodeOccurenceConstraintViolation ErrorCode = "OccurenceConstraintViolation"
	// CodeTypeConstraintViolation: a field has the wrong JSON type.
	CodeTypeConstraintViolation ErrorCode = "TypeConstraintViolation"
	// CodeGenericError: any other error.
	CodeGenericError ErrorCode = "GenericError"
)

// NormalizeCode maps an error code read from a charger to the spelling this
// package uses: "FormatViolation" becomes CodeFormationViolation and
// "OccurrenceConstraintViolation" becomes CodeOccurenceConstraintViolation.
// Other codes are returned unchanged.
func NormalizeCode(code string) ErrorCode {
	switch code {
	case "FormatViolation":
		return CodeFormationViolation
	case "OccurrenceConstraintViolation":
		return CodeOccurenceConstraintViolation
	}
	return ErrorCode(code)
}

// CallError is an OCPP-J RPC error: what the server answers a CALL it
// cannot serve with, and what Conn.Call returns when a charger answers a
// server-initiated CALL with a CALLERROR.
type CallError struct {
	Code        ErrorCode
	Description string
	// Details is the CALLERROR's details object; nil means {}.
	Details json.RawMessage
}

// Error implements error.
func (e *CallError) Error() string {
	if e.Description == "" {
		return "ocpp " + string(e.Code)
	}
	return fmt.Sprintf("ocpp %s: %s", e.Code, e.Description)
}

// callError builds a *CallError with a formatted description.
func callError(code ErrorCode, format string, args ...any) *CallError {
	return &CallError{Code: code, Description: fmt.Sprintf(format, args...)}
}

// UnknownID is the unique id used in a CALLERROR answering a frame whose
// own unique id cannot be read (the rule of OCPP 2.0.1 §4.2.3, which
// OCPP 1.6J leaves open and common implementations follow).
const UnknownID = "-1"

// ProtocolError reports a frame that is not valid OCPP-J. ID is the unique
// id to answer with (UnknownID when it could not be recovered) and Type is
// the message type when it could be read (0 otherwise): a malformed
// CALLRESULT or CALLERROR is logged, never answered.
type ProtocolError struct {
	ID          string
	Type        MessageType
	Code        ErrorCode
	Description string
}

// Error implements error.
func (e *ProtocolError) Error() string {
	return fmt.Sprintf("ocpp %s: %s", e.Code, e.Description)
}

// ErrStoreUnavailable is returned by a Backend whose store cannot take the
// write right now. The charger is answered with an InternalError whose
// description is "the event store is unavailable; the message was not
// stored" ("the reading" for a SoC sample), so it keeps the message queued
// and retries; any other backend error is answered as "internal error".
var ErrStoreUnavailable = errors.New("store unavailable")

// ErrStoreFull is returned by a Backend whose store is full. The charger
// is answered with an InternalError whose description is "the event store
// is full; the message was not stored" ("the reading" for a SoC sample).
var ErrStoreFull = errors.New("store full")

// unstored names what a handler's failed Backend call was storing
// ("reading"), for the CALLERROR's description.
type unstored struct {
	what string
	err  error
}

func (e *unstored) Error() string { return e.err.Error() }
func (e *unstored) Unwrap() error { return e.err }

// notStored wraps a Backend error of a call that stores what; nil stays
// nil.
func notStored(what string, err error) error {
	if err == nil {
		return nil
	}
	return &unstored{what: what, err: err}
}

// backendCallError is the CALLERROR answering a Backend error that is not
// a *CallError: a full or unavailable store says so and what was not
// stored ("message" unless the handler named it); anything else is an
// "internal error" that says nothing of the server's insides.
func backendCallError(err error) *CallError {
	what := "message"
	var u *unstored
	if errors.As(err, &u) {
		what = u.what
	}
	switch {
	case errors.Is(err, ErrStoreFull):
		return callError(CodeInternalError, "the event store is full; the %s was not stored", what)
	case errors.Is(err, ErrStoreUnavailable):
		return callError(CodeInternalError, "the event store is unavailable; the %s was not stored", what)
	}
	return &CallError{Code: CodeInternalError, Description: "internal error"}
}

// ErrTimeout is returned by Conn.Call when its context's deadline passes
// before the charger answers. It wraps together with
// context.DeadlineExceeded.
var ErrTimeout = errors.New("ocpp call timed out")

// ErrClosed is returned by Conn.Call when the connection is closed before
// the charger answers.
var ErrClosed = errors.New("ocpp connection closed")
