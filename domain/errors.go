package domain

import (
	"errors"
	"fmt"
)

// Error codes. They are part of the wire contract (charger Error frames,
// HTTP error bodies); never rename one.
const (
	CodeInvalidID       = "invalid_id"
	CodeInvalidSoC      = "invalid_soc"
	CodeMalformedJSON   = "malformed_json"
	CodeUnknownEvent    = "unknown_event"
	CodeBinary          = "binary_not_supported"
	CodeRateLimited     = "rate_limited"
	CodeStoreDown       = "store_unavailable"
	CodeStoreFull       = "store_full"
	CodeConflict        = "conflict"
	CodeNotFound        = "not_found"
	CodeSessionOpen     = "session_open"
	CodeSessionClosed   = "session_closed"
	CodeNoSession       = "no_open_session"
	CodeBalanceDue      = "balance_due"
	CodeInvalidAmount   = "invalid_amount"
	CodeInvalidMethod   = "invalid_method"
	CodeInvalidInput    = "invalid_input"
	CodeWidgetTaken     = "widget_taken"
	CodeUnauthorized    = "unauthorized"
	CodeInternal        = "internal"
	CodeIdempotencyUsed = "idempotency_key_reused"
)

// Error is a domain error: a stable code and a sentence for a person.
// Adapters map the code to their protocol (HTTP status, Error frame, OCPP
// CALLERROR); anything that is not an *Error is internal and shown as
// "internal error".
type Error struct {
	Code    string
	Message string
}

// Error implements error.
func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the domain error in err's chain, or
// CodeInternal.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return CodeInternal
}

// ErrorMessage returns the message of the domain error in err's chain, or
// "internal error".
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrConflict is returned by EventStore.Append when the aggregate moved on
// since the expected version (optimistic concurrency).
var ErrConflict = &Error{Code: CodeConflict, Message: "the charger changed meanwhile; try again"}

// ErrUnavailable wraps store failures that mean "not stored": the caller
// must tell the device instead of pretending. Its message claims nothing
// about what was being stored (readings, presence, payments, pairings);
// an edge that knows says it ("…; the reading was not stored").
var ErrUnavailable = &Error{Code: CodeStoreDown, Message: "the event store is unavailable; nothing was stored"}

// ErrFull wraps store failures for lack of space (the store's limit or the
// disk is reached): nothing was stored, and the booth resumes by itself
// once space returns.
var ErrFull = &Error{Code: CodeStoreFull, Message: "the event store is full; nothing was stored"}
