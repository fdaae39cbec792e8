package ocpp_test

import (
	"testing"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

func TestCallClearCache(t *testing.T) {
	testAction(t, ocpp.ActionClearCache, []actionCase{
		{name: "accepted", req: `{}`, answer: `{"status":"Accepted"}`, want: `{"status":"Accepted"}`},
		{name: "rejected", req: ``, answer: `{"status":"Rejected"}`, want: `{"status":"Rejected"}`},
		{name: "fields refused", req: `{"all":true}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "not an object", req: `[]`, wantErr: ocpp.ErrInvalidRequest},
	})
}
