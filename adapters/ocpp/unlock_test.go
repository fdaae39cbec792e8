package ocpp_test

import (
	"testing"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

func TestCallUnlockConnector(t *testing.T) {
	testAction(t, ocpp.ActionUnlockConnector, []actionCase{
		{name: "unlocked", req: `{"connectorId":1}`, answer: `{"status":"Unlocked"}`, want: `{"status":"Unlocked"}`},
		{name: "failed", req: `{"connectorId":2}`, answer: `{"status":"UnlockFailed"}`, want: `{"status":"UnlockFailed"}`},
		{name: "connector 0 is no connector", req: `{"connectorId":0}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "connector missing", req: `{}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "accepted is not an unlock status", req: `{"connectorId":1}`, answer: `{"status":"Accepted"}`, wantErr: ocpp.ErrInvalidConfirmation},
	})
}
