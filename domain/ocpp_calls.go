package domain

import "encoding/json"

// Event types of the calls the server sends to OCPP chargers: each call,
// and how it ended, on the charger's subject, with the actor who caused it
// (none for the calls the server makes on its own, such as the boot
// configuration: their Origin says so).
const (
	TypeOCPPCallSent          = "ocpp.call_sent"
	TypeOCPPCallAnswered      = "ocpp.call_answered"
	TypeOCPPCallTimedOut      = "ocpp.call_timed_out"
	TypeOCPPCallFailed        = "ocpp.call_failed"
	TypeOCPPConfigurationDone = "ocpp.configuration_applied"
)

// Origins of a server-initiated call (OCPPCallSent.Origin).
const (
	// OriginAPI: a person, through the staff API (the event's actor).
	OriginAPI = "api"
	// OriginBootConfig: the server, applying --ocpp-config after a boot.
	OriginBootConfig = "boot-config"
)

// OCPPCallSent records a CALL sent to a charger, before it is sent.
type OCPPCallSent struct {
	UniqueID string          `json:"uniqueId"`
	Action   string          `json:"action"`
	Payload  json.RawMessage `json:"payload,omitempty"`
	Origin   string          `json:"origin,omitempty"`
}

// OCPPCallAnswered records the charger's answer: its CALLRESULT payload
// (with Violation when it breaks the schema), or its CALLERROR.
type OCPPCallAnswered struct {
	UniqueID         string          `json:"uniqueId"`
	Action           string          `json:"action"`
	Result           json.RawMessage `json:"result,omitempty"`
	Violation        string          `json:"violation,omitempty"`
	ErrorCode        string          `json:"errorCode,omitempty"`
	ErrorDescription string          `json:"errorDescription,omitempty"`
	// ResultBytes is the size of a result too large to keep (Result is
	// then empty).
	ResultBytes int   `json:"resultBytes,omitempty"`
	DurationMs  int64 `json:"durationMs"`
}

// OCPPCallTimedOut records a call the charger did not answer in time.
type OCPPCallTimedOut struct {
	UniqueID   string `json:"uniqueId"`
	Action     string `json:"action"`
	DurationMs int64  `json:"durationMs"`
}

// OCPPCallFailed records a call that ended without an answer for another
// reason: the connection closed, or the caller gave up.
type OCPPCallFailed struct {
	UniqueID   string `json:"uniqueId"`
	Action     string `json:"action"`
	Reason     string `json:"reason"`
	DurationMs int64  `json:"durationMs"`
}

// OCPPConfigurationApplied records what became of each key of the boot
// configuration on one boot.
type OCPPConfigurationApplied struct {
	Results []OCPPSettingResult `json:"results"`
}

// OCPPSettingResult is one key of the boot configuration: what the
// charger had, what was wanted, and the outcome: the charger's
// ChangeConfiguration status (Accepted, RebootRequired, Rejected,
// NotSupported), Unchanged, ReadOnly, or Failed with Error.
type OCPPSettingResult struct {
	Key      string `json:"key"`
	Want     string `json:"want"`
	Had      string `json:"had,omitempty"`
	Reported bool   `json:"reported"`
	Status   string `json:"status"`
	Error    string `json:"error,omitempty"`
}

// EventType implements Payload.
func (OCPPCallSent) EventType() string { return TypeOCPPCallSent }

// EventType implements Payload.
func (OCPPCallAnswered) EventType() string { return TypeOCPPCallAnswered }

// EventType implements Payload.
func (OCPPCallTimedOut) EventType() string { return TypeOCPPCallTimedOut }

// EventType implements Payload.
func (OCPPCallFailed) EventType() string { return TypeOCPPCallFailed }

// EventType implements Payload.
func (OCPPConfigurationApplied) EventType() string { return TypeOCPPConfigurationDone }

func init() {
	Register[OCPPCallSent](TypeOCPPCallSent, 1)
	Register[OCPPCallAnswered](TypeOCPPCallAnswered, 1)
	Register[OCPPCallTimedOut](TypeOCPPCallTimedOut, 1)
	Register[OCPPCallFailed](TypeOCPPCallFailed, 1)
	Register[OCPPConfigurationApplied](TypeOCPPConfigurationDone, 1)
}

// checkCall checks what every call event carries: the message id and the
// action, both short labels.
func checkCall(uniqueID, action string) error {
	return firstErr(checkName("uniqueId", uniqueID, true), checkName("action", action, true))
}

// Validate implements Validator: a call with its id and action.
func (p OCPPCallSent) Validate() error {
	return firstErr(checkCall(p.UniqueID, p.Action), checkName("origin", p.Origin, false))
}

// Validate implements Validator: the call's id and action, a duration.
func (p OCPPCallAnswered) Validate() error {
	if p.DurationMs < 0 || p.ResultBytes < 0 {
		return Errorf(CodeInvalidInput, "a negative duration or size")
	}
	return firstErr(checkCall(p.UniqueID, p.Action), checkName("errorCode", p.ErrorCode, false))
}

// Validate implements Validator: the call's id and action, a duration.
func (p OCPPCallTimedOut) Validate() error {
	if p.DurationMs < 0 {
		return Errorf(CodeInvalidInput, "a negative duration")
	}
	return checkCall(p.UniqueID, p.Action)
}

// Validate implements Validator: the call's id and action and a reason.
func (p OCPPCallFailed) Validate() error {
	if p.DurationMs < 0 {
		return Errorf(CodeInvalidInput, "a negative duration")
	}
	return firstErr(checkCall(p.UniqueID, p.Action), checkName("reason", p.Reason, true))
}

// Validate implements Validator: every result names its key and outcome.
func (p OCPPConfigurationApplied) Validate() error {
	for _, r := range p.Results {
		if err := firstErr(checkName("key", r.Key, true), checkName("status", r.Status, true)); err != nil {
			return err
		}
	}
	return nil
}
