package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/chargebooth/chargebooth/adapters/charger"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
)

// held keeps the command subscription of each charger socket held here.
func (r *remote) held(chargerID string, up bool) {
	if r.bus == nil {
		return
	}
	if !up {
		r.bus.Unserve(chargerID)
		return
	}
	_ = r.bus.Serve(chargerID, r.handler(chargerID))
}

// remote sends OCPP remote start/stop to the charger's socket: directly
// when this instance holds it, else over NATS to the instance that does.
type remote struct {
	local *charger.Server
	bus   *eventstore.Commands // nil: a single instance
}

// remoteRequest is a remote command forwarded between instances.
type remoteRequest struct {
	Action        string `json:"action"` // start | stop
	IDTag         string `json:"idTag,omitempty"`
	ConnectorID   int    `json:"connectorId,omitempty"`
	TransactionID int    `json:"transactionId,omitempty"`
}

// remoteReply is the holder's answer.
type remoteReply struct {
	Response json.RawMessage `json:"response,omitempty"`
	Code     string          `json:"code,omitempty"`
	Message  string          `json:"message,omitempty"`
	Timeout  bool            `json:"timeout,omitempty"`
}

func (r *remote) RemoteStart(ctx context.Context, chargerID, idTag string, connectorID int) (json.RawMessage, error) {
	raw, err := r.local.RemoteStart(ctx, chargerID, idTag, connectorID)
	if r.bus == nil || !errors.Is(err, charger.ErrNotConnected) {
		return raw, err
	}
	return r.forward(ctx, chargerID, remoteRequest{Action: "start", IDTag: idTag, ConnectorID: connectorID})
}

func (r *remote) RemoteStop(ctx context.Context, chargerID string, transactionID int) (json.RawMessage, error) {
	raw, err := r.local.RemoteStop(ctx, chargerID, transactionID)
	if r.bus == nil || !errors.Is(err, charger.ErrNotConnected) {
		return raw, err
	}
	return r.forward(ctx, chargerID, remoteRequest{Action: "stop", TransactionID: transactionID})
}

func (r *remote) forward(ctx context.Context, chargerID string, req remoteRequest) (json.RawMessage, error) {
	body, _ := json.Marshal(req)
	out, err := r.bus.Request(ctx, chargerID, body)
	if errors.Is(err, eventstore.ErrNoHolder) {
		return nil, charger.ErrNotConnected
	}
	if err != nil {
		return nil, err
	}
	var rep remoteReply
	if err := json.Unmarshal(out, &rep); err != nil {
		return nil, fmt.Errorf("remote %s: bad answer from the holding instance: %w", req.Action, err)
	}
	switch {
	case rep.Timeout:
		return nil, context.DeadlineExceeded
	case rep.Code != "":
		return nil, &domain.Error{Code: rep.Code, Message: rep.Message}
	}
	return rep.Response, nil
}

// handler answers forwarded commands for a charger held here.
func (r *remote) handler(chargerID string) func(context.Context, []byte) []byte {
	return func(ctx context.Context, body []byte) []byte { return r.serve(ctx, chargerID, body) }
}

func (r *remote) serve(ctx context.Context, chargerID string, body []byte) []byte {
	var req remoteRequest
	var rep remoteReply
	var err error
	if json.Unmarshal(body, &req) != nil {
		rep.Code, rep.Message = domain.CodeInvalidInput, "bad forwarded command"
	} else {
		switch req.Action {
		case "start":
			rep.Response, err = r.local.RemoteStart(ctx, chargerID, req.IDTag, req.ConnectorID)
		case "stop":
			rep.Response, err = r.local.RemoteStop(ctx, chargerID, req.TransactionID)
		default:
			err = domain.Errorf(domain.CodeInvalidInput, "unknown forwarded command %q", req.Action)
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		rep.Timeout = true
	case err != nil:
		rep.Code, rep.Message = domain.ErrorCode(err), domain.ErrorMessage(err)
	}
	b, _ := json.Marshal(rep)
	return b
}
