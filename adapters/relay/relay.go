package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/chargebooth/chargebooth/adapters/charger"
	"github.com/chargebooth/chargebooth/adapters/ocpp"
	"github.com/chargebooth/chargebooth/domain"
)

// Local is what this instance can do to a charger whose socket it holds;
// *charger.Server implements it. Each returns charger.ErrNotConnected when
// the socket is not held here.
type Local interface {
	RemoteStart(ctx context.Context, chargerID, idTag string, connectorID int) (json.RawMessage, error)
	RemoteStop(ctx context.Context, chargerID string, transactionID int) (json.RawMessage, error)
	// Call sends any server-initiated OCPP call (see charger.Server.Call).
	Call(ctx context.Context, chargerID, action string, payload json.RawMessage) (json.RawMessage, error)
}

// Bus carries a command to whichever instance serves the charger's
// subject; eventstore.Commands implements it.
type Bus interface {
	// Serve answers commands for chargerID with h until Unserve.
	Serve(chargerID string, h func(ctx context.Context, req []byte) []byte) error
	// Unserve stops answering commands for chargerID.
	Unserve(chargerID string)
	// Request sends req to the holder and returns its answer; an error
	// matching NoHolder when nobody serves the charger, and
	// context.DeadlineExceeded when the answer does not come in time.
	Request(ctx context.Context, chargerID string, req []byte) ([]byte, error)
}

// Relay sends commands to chargers held here or elsewhere. With no bus
// (a single instance) it only tries the local sockets.
type Relay struct {
	local    Local
	bus      Bus
	noHolder error
}

// New returns a relay over local; bus may be nil. noHolder is the error
// bus.Request returns when no instance holds the charger. local may be
// set later with SetLocal (the charger edge wants Held before it exists).
func New(local Local, bus Bus, noHolder error) *Relay {
	return &Relay{local: local, bus: bus, noHolder: noHolder}
}

// SetLocal sets the local sockets; call it before the first socket
// connects and before any command.
func (r *Relay) SetLocal(local Local) { r.local = local }

// Held is the charger edge's hook: it serves the charger's commands on the
// bus while this instance holds its socket.
func (r *Relay) Held(chargerID string, up bool) {
	if r.bus == nil {
		return
	}
	if !up {
		r.bus.Unserve(chargerID)
		return
	}
	_ = r.bus.Serve(chargerID, func(ctx context.Context, body []byte) []byte { return r.serve(ctx, chargerID, body) })
}

// request is a command forwarded between instances. It carries the
// requester's actor (the holder stamps it on the events it records) and
// how long the requester still waits (the holder gives up then too).
type request struct {
	Action        string          `json:"action"` // start | stop | call
	IDTag         string          `json:"idTag,omitempty"`
	ConnectorID   int             `json:"connectorId,omitempty"`
	TransactionID int             `json:"transactionId,omitempty"`
	OCPPAction    string          `json:"ocppAction,omitempty"`
	Payload       json.RawMessage `json:"payload,omitempty"`
	Actor         *domain.Actor   `json:"actor,omitempty"`
	TimeoutMs     int64           `json:"timeoutMs,omitempty"`
}

// reply is the holder's answer.
type reply struct {
	Response json.RawMessage `json:"response,omitempty"`
	Code     string          `json:"code,omitempty"`
	Message  string          `json:"message,omitempty"`
	Timeout  bool            `json:"timeout,omitempty"`
	// OCPP is the charger's CALLERROR, or the schema violation when
	// Invalid says whose ("request", "confirmation"); Invalid "action" is
	// an action the holder does not send.
	OCPP    *ocppError `json:"ocpp,omitempty"`
	Invalid string     `json:"invalid,omitempty"`
}

// ocppError is an *ocpp.CallError on the wire.
type ocppError struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// RemoteStart sends OCPP RemoteStartTransaction to the charger and returns
// its answer.
func (r *Relay) RemoteStart(ctx context.Context, chargerID, idTag string, connectorID int) (json.RawMessage, error) {
	raw, err := r.local.RemoteStart(ctx, chargerID, idTag, connectorID)
	if r.bus == nil || !errors.Is(err, charger.ErrNotConnected) {
		return raw, err
	}
	return r.forward(ctx, chargerID, request{Action: "start", IDTag: idTag, ConnectorID: connectorID})
}

// RemoteStop sends OCPP RemoteStopTransaction to the charger and returns
// its answer.
func (r *Relay) RemoteStop(ctx context.Context, chargerID string, transactionID int) (json.RawMessage, error) {
	raw, err := r.local.RemoteStop(ctx, chargerID, transactionID)
	if r.bus == nil || !errors.Is(err, charger.ErrNotConnected) {
		return raw, err
	}
	return r.forward(ctx, chargerID, request{Action: "stop", TransactionID: transactionID})
}

// Call sends any server-initiated OCPP call to the charger, on whichever
// instance holds it, and returns its CALLRESULT payload. The errors are
// charger.Server.Call's, also when the call went through another
// instance.
func (r *Relay) Call(ctx context.Context, chargerID, action string, payload json.RawMessage) (json.RawMessage, error) {
	raw, err := r.local.Call(ctx, chargerID, action, payload)
	if r.bus == nil || !errors.Is(err, charger.ErrNotConnected) {
		return raw, err
	}
	return r.forward(ctx, chargerID, request{Action: "call", OCPPAction: action, Payload: payload})
}

func (r *Relay) forward(ctx context.Context, chargerID string, req request) (json.RawMessage, error) {
	if a, ok := domain.ActorFrom(ctx); ok {
		req.Actor = &a
	}
	if dl, ok := ctx.Deadline(); ok {
		req.TimeoutMs = max(time.Until(dl).Milliseconds(), 1)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("remote %s: %w", req.Action, err)
	}
	out, err := r.bus.Request(ctx, chargerID, body)
	if r.noHolder != nil && errors.Is(err, r.noHolder) {
		return nil, charger.ErrNotConnected
	}
	if err != nil {
		return nil, err
	}
	var rep reply
	if err := json.Unmarshal(out, &rep); err != nil {
		return nil, fmt.Errorf("remote %s: bad answer from the holding instance: %w", req.Action, err)
	}
	switch {
	case rep.Timeout:
		return nil, context.DeadlineExceeded
	case rep.Code != "":
		return nil, &domain.Error{Code: rep.Code, Message: rep.Message}
	case rep.Invalid == "action":
		return nil, fmt.Errorf("call %s: %w", req.OCPPAction, ocpp.ErrUnknownAction)
	case rep.OCPP != nil:
		ce := &ocpp.CallError{Code: ocpp.ErrorCode(rep.OCPP.Code), Description: rep.OCPP.Description}
		switch rep.Invalid {
		case "request":
			return nil, fmt.Errorf("call %s: %w: %w", req.OCPPAction, ocpp.ErrInvalidRequest, ce)
		case "confirmation":
			return rep.Response, fmt.Errorf("call %s: %w: %w", req.OCPPAction, ocpp.ErrInvalidConfirmation, ce)
		}
		return nil, fmt.Errorf("call %s: %w", req.OCPPAction, ce)
	}
	return rep.Response, nil
}

// serve answers one forwarded command for a charger held here.
func (r *Relay) serve(ctx context.Context, chargerID string, body []byte) []byte {
	var req request
	var rep reply
	var err error
	if json.Unmarshal(body, &req) != nil {
		rep.Code, rep.Message = domain.CodeInvalidInput, "bad forwarded command"
	} else {
		if req.Actor != nil {
			ctx = domain.WithActor(ctx, *req.Actor)
		}
		if req.TimeoutMs > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, time.Duration(req.TimeoutMs)*time.Millisecond)
			defer cancel()
		}
		switch req.Action {
		case "start":
			rep.Response, err = r.local.RemoteStart(ctx, chargerID, req.IDTag, req.ConnectorID)
		case "stop":
			rep.Response, err = r.local.RemoteStop(ctx, chargerID, req.TransactionID)
		case "call":
			rep.Response, err = r.local.Call(ctx, chargerID, req.OCPPAction, req.Payload)
		default:
			err = domain.Errorf(domain.CodeInvalidInput, "unknown forwarded command %q", req.Action)
		}
	}
	var ce *ocpp.CallError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		rep.Timeout = true
	case errors.Is(err, ocpp.ErrUnknownAction):
		rep.Invalid = "action"
	case errors.As(err, &ce):
		rep.OCPP = &ocppError{Code: string(ce.Code), Description: ce.Description}
		switch {
		case errors.Is(err, ocpp.ErrInvalidRequest):
			rep.Invalid = "request"
		case errors.Is(err, ocpp.ErrInvalidConfirmation):
			rep.Invalid = "confirmation"
		}
	case err != nil:
		rep.Code, rep.Message = domain.ErrorCode(err), domain.ErrorMessage(err)
	}
	if err != nil && rep.Invalid != "confirmation" {
		rep.Response = nil
	}
	b, _ := json.Marshal(rep)
	return b
}
