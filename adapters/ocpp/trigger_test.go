package ocpp_test

import (
	"testing"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

func TestCallTriggerMessage(t *testing.T) {
	testAction(t, ocpp.ActionTriggerMessage, []actionCase{
		{name: "status of a connector", req: `{"requestedMessage":"StatusNotification","connectorId":1}`, answer: `{"status":"Accepted"}`, want: `{"status":"Accepted"}`},
		{name: "meter values", req: `{"requestedMessage":"MeterValues"}`, answer: `{"status":"Accepted"}`, want: `{"status":"Accepted"}`},
		{name: "not implemented", req: `{"requestedMessage":"DiagnosticsStatusNotification"}`, answer: `{"status":"NotImplemented"}`, want: `{"status":"NotImplemented"}`},
		{name: "unknown message", req: `{"requestedMessage":"StartTransaction"}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "connector 0", req: `{"requestedMessage":"MeterValues","connectorId":0}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "message missing", req: `{"connectorId":1}`, wantErr: ocpp.ErrInvalidRequest},
	})
}
