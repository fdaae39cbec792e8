package ocpp_test

import (
	"testing"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

func TestCallGetConfiguration(t *testing.T) {
	conf := `{"configurationKey":[{"key":"MeterValueSampleInterval","readonly":false,"value":"60"}],"unknownKey":["Nope"]}`
	testAction(t, ocpp.ActionGetConfiguration, []actionCase{
		{name: "some keys", req: `{"key":["MeterValueSampleInterval","Nope"]}`, answer: conf, want: conf},
		{name: "every key", req: `{}`, answer: `{"configurationKey":[]}`, want: `{"configurationKey":[]}`},
		{name: "empty body is every key", req: ``, answer: `{}`, want: `{}`},
		{name: "key too long", req: `{"key":["` + repeat("k", 51) + `"]}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "key not a list", req: `{"key":"HeartbeatInterval"}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "confirmation without readonly", req: `{}`, answer: `{"configurationKey":[{"key":"A","value":"1"}]}`, wantErr: ocpp.ErrInvalidConfirmation},
		{name: "value too long", req: `{}`, answer: `{"configurationKey":[{"key":"A","readonly":true,"value":"` + repeat("v", 501) + `"}]}`, wantErr: ocpp.ErrInvalidConfirmation},
	})
}

func TestCallChangeConfiguration(t *testing.T) {
	req := `{"key":"MeterValuesSampledData","value":"SoC,Energy.Active.Import.Register"}`
	testAction(t, ocpp.ActionChangeConfiguration, []actionCase{
		{name: "accepted", req: req, answer: `{"status":"Accepted"}`, want: `{"status":"Accepted"}`},
		{name: "reboot required", req: req, answer: `{"status":"RebootRequired"}`, want: `{"status":"RebootRequired"}`},
		{name: "not supported", req: `{"key":"Vendor.X","value":"1"}`, answer: `{"status":"NotSupported"}`, want: `{"status":"NotSupported"}`},
		{name: "empty value is a value", req: `{"key":"AuthorizationKey","value":""}`, answer: `{"status":"Rejected"}`, want: `{"status":"Rejected"}`},
		{name: "value missing", req: `{"key":"HeartbeatInterval"}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "value too long", req: `{"key":"A","value":"` + repeat("v", 501) + `"}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "value a number", req: `{"key":"HeartbeatInterval","value":30}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "charger fails", req: req, answer: "!InternalError", code: ocpp.CodeInternalError},
	})
}
