package ocpp_test

import (
	"testing"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

func TestCallDataTransfer(t *testing.T) {
	testAction(t, ocpp.ActionDataTransfer, []actionCase{
		{name: "accepted with data", req: `{"vendorId":"com.example","messageId":"ping","data":"x"}`,
			answer: `{"status":"Accepted","data":"pong"}`, want: `{"status":"Accepted","data":"pong"}`},
		{name: "unknown vendor", req: `{"vendorId":"org.other"}`, answer: `{"status":"UnknownVendorId"}`, want: `{"status":"UnknownVendorId"}`},
		{name: "vendor missing", req: `{"messageId":"ping"}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "vendor too long", req: `{"vendorId":"` + repeat("v", 256) + `"}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "message id too long", req: `{"vendorId":"v","messageId":"` + repeat("m", 51) + `"}`, wantErr: ocpp.ErrInvalidRequest},
	})
}
