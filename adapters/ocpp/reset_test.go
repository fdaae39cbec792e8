package ocpp_test

import (
	"testing"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

func TestCallReset(t *testing.T) {
	testAction(t, ocpp.ActionReset, []actionCase{
		{name: "soft accepted", req: `{"type":"Soft"}`, answer: `{"status":"Accepted"}`, want: `{"status":"Accepted"}`},
		{name: "hard rejected", req: `{"type":"Hard"}`, answer: `{"status":"Rejected"}`, want: `{"status":"Rejected"}`},
		{name: "type missing", req: `{}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "type not in the enumeration", req: `{"type":"Warm"}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "unknown field", req: `{"type":"Soft","force":true}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "wrong type", req: `{"type":1}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "charger refuses", req: `{"type":"Soft"}`, answer: "!NotSupported", code: ocpp.CodeNotSupported},
		{name: "bad confirmation", req: `{"type":"Soft"}`, answer: `{"status":"Maybe"}`, wantErr: ocpp.ErrInvalidConfirmation},
		{name: "no answer", req: `{"type":"Soft"}`, answer: "", wantErr: ocpp.ErrTimeout},
	})
}
