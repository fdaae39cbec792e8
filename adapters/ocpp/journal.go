package ocpp

import (
	"context"
	"encoding/json"
	"time"
)

// CallJournal hears every server-initiated call of a connection and its
// outcome, so the program can keep them (as events: who sent what, what
// the charger said). It must be safe for concurrent use.
type CallJournal interface {
	// CallSent is told of a call once it has its unique id, before it is
	// sent; an error aborts the call (nothing is sent) and is returned by
	// Conn.Call. ctx is the caller's.
	CallSent(ctx context.Context, rec CallRecord) error
	// CallDone is told how the call ended. ctx carries the caller's values
	// but is never canceled: a call that timed out is still recorded.
	CallDone(ctx context.Context, rec CallRecord, out CallOutcome)
}

// CallRecord is one server-initiated call as it was sent.
type CallRecord struct {
	ChargerID string
	UniqueID  string
	Action    string
	// Payload is the request as sent (a JSON object).
	Payload json.RawMessage
	Sent    time.Time
}

// CallOutcome is how a server-initiated call ended: exactly one of Result
// (a CALLRESULT; with Violation set when it breaks the schema), Error (a
// CALLERROR), TimedOut or Failed (the connection closed, or the caller
// gave up) is set.
type CallOutcome struct {
	Result    json.RawMessage
	Violation string
	Error     *CallError
	TimedOut  bool
	Failed    string
	// Duration is from CallSent to the outcome.
	Duration time.Duration
}

// nopJournal records nothing.
type nopJournal struct{}

func (nopJournal) CallSent(context.Context, CallRecord) error        { return nil }
func (nopJournal) CallDone(context.Context, CallRecord, CallOutcome) {}
