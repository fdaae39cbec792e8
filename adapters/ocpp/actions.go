package ocpp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
)

// Errors of server-initiated calls, beside those of errors.go. Each wraps
// together with the *CallError describing the violation, when there is one.
var (
	// ErrUnknownAction: the action is not one the Central System sends.
	ErrUnknownAction = errors.New("unknown ocpp action")
	// ErrInvalidRequest: the request breaks the action's schema; nothing
	// was sent.
	ErrInvalidRequest = errors.New("invalid ocpp request")
	// ErrInvalidConfirmation: the charger's CALLRESULT breaks the
	// confirmation's schema.
	ErrInvalidConfirmation = errors.New("invalid ocpp confirmation")
)

// Action is one action the Central System sends: its name and the Go
// types of its request and confirmation, whose validation tags mirror the
// protocol's JSON schemas. It knows nothing of the protocol version: an
// ActionSet groups the actions of one version.
type Action struct {
	Name string
	req  reflect.Type
	conf reflect.Type
}

// NewAction returns the action name with request type Req and
// confirmation type Conf (structs with validation tags).
func NewAction[Req, Conf any](name string) Action {
	return Action{Name: name, req: reflect.TypeFor[Req](), conf: reflect.TypeFor[Conf]()}
}

// CheckRequest decodes payload strictly as the action's request (unknown
// fields are refused, as the schemas' additionalProperties: false does) and
// validates it. An empty payload is {}. The error is a *CallError naming
// the violation.
func (a Action) CheckRequest(payload json.RawMessage) error {
	if len(bytes.TrimSpace(payload)) == 0 {
		payload = json.RawMessage("{}")
	}
	v := reflect.New(a.req).Interface()
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typeErr):
			return decodeJSON(payload, v) // the same wording as a CALL's
		case bytes.HasPrefix(bytes.TrimSpace(payload), []byte("{")) && json.Valid(payload):
			// DisallowUnknownFields: `json: unknown field "x"`.
			return callError(CodeFormationViolation, "%s", trimJSONPrefix(err.Error()))
		}
		return callError(CodeFormationViolation, "payload is not a valid JSON object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return callError(CodeFormationViolation, "payload is not a single JSON object")
	}
	return ValidatePayload(v)
}

// CheckConfirmation decodes and validates a CALLRESULT payload as the
// action's confirmation. Like every payload the charger sends, fields the
// schema does not know are ignored.
func (a Action) CheckConfirmation(payload json.RawMessage) error {
	return DecodePayload(payload, reflect.New(a.conf).Interface())
}

func trimJSONPrefix(s string) string { return strings.TrimPrefix(s, "json: ") }

// ActionSet is the actions the Central System sends in one protocol
// version, by name.
type ActionSet struct {
	byName map[string]Action
}

// NewActionSet returns the set of actions.
func NewActionSet(actions ...Action) *ActionSet {
	s := &ActionSet{byName: make(map[string]Action, len(actions))}
	for _, a := range actions {
		s.byName[a.Name] = a
	}
	return s
}

// Lookup returns the action called name. A nil set holds Actions16.
func (s *ActionSet) Lookup(name string) (Action, bool) {
	if s == nil {
		s = Actions16
	}
	a, ok := s.byName[name]
	return a, ok
}

// Names returns the actions' names, sorted.
func (s *ActionSet) Names() []string {
	if s == nil {
		s = Actions16
	}
	out := make([]string, 0, len(s.byName))
	for name := range s.byName {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// Actions16 is every action an OCPP 1.6J Central System sends here (the
// Core profile, remote trigger, local authorization list), each beside its
// request and confirmation types in a file of its own.
var Actions16 = NewActionSet(
	NewAction[ResetReq, ResetConf](ActionReset),
	NewAction[ChangeAvailabilityReq, ChangeAvailabilityConf](ActionChangeAvailability),
	NewAction[GetConfigurationReq, GetConfigurationConf](ActionGetConfiguration),
	NewAction[ChangeConfigurationReq, ChangeConfigurationConf](ActionChangeConfiguration),
	NewAction[ClearCacheReq, ClearCacheConf](ActionClearCache),
	NewAction[UnlockConnectorReq, UnlockConnectorConf](ActionUnlockConnector),
	NewAction[TriggerMessageReq, TriggerMessageConf](ActionTriggerMessage),
	NewAction[DataTransferReq, DataTransferConf](ActionDataTransfer),
	NewAction[GetLocalListVersionReq, GetLocalListVersionConf](ActionGetLocalListVersion),
	NewAction[SendLocalListReq, SendLocalListConf](ActionSendLocalList),
	NewAction[RemoteStartTransactionReq, RemoteStartTransactionConf](ActionRemoteStartTransaction),
	NewAction[RemoteStopTransactionReq, RemoteStopTransactionConf](ActionRemoteStopTransaction),
)

// ActionsFor returns the action set of a negotiated subprotocol, nil when
// it is not one this package speaks.
func ActionsFor(subprotocol string) *ActionSet {
	if subprotocol == Subprotocol {
		return Actions16
	}
	return nil
}
