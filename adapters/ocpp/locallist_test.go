package ocpp_test

import (
	"testing"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

func TestCallGetLocalListVersion(t *testing.T) {
	testAction(t, ocpp.ActionGetLocalListVersion, []actionCase{
		{name: "version", req: `{}`, answer: `{"listVersion":7}`, want: `{"listVersion":7}`},
		{name: "not supported", req: `{}`, answer: `{"listVersion":-1}`, want: `{"listVersion":-1}`},
		{name: "fields refused", req: `{"listVersion":1}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "version missing", req: `{}`, answer: `{}`, wantErr: ocpp.ErrInvalidConfirmation},
	})
}

func TestCallSendLocalList(t *testing.T) {
	full := `{"listVersion":3,"updateType":"Full","localAuthorizationList":[` +
		`{"idTag":"TAG1","idTagInfo":{"status":"Accepted","expiryDate":"2026-08-01T00:00:00Z"}},` +
		`{"idTag":"TAG2","idTagInfo":{"status":"Blocked","parentIdTag":"GROUP"}}]}`
	testAction(t, ocpp.ActionSendLocalList, []actionCase{
		{name: "full list", req: full, answer: `{"status":"Accepted"}`, want: `{"status":"Accepted"}`},
		{name: "differential removal", req: `{"listVersion":4,"updateType":"Differential","localAuthorizationList":[{"idTag":"TAG2"}]}`,
			answer: `{"status":"VersionMismatch"}`, want: `{"status":"VersionMismatch"}`},
		{name: "version missing", req: `{"updateType":"Full"}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "bad update type", req: `{"listVersion":1,"updateType":"Partial"}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "tag too long", req: `{"listVersion":1,"updateType":"Full","localAuthorizationList":[{"idTag":"` + repeat("t", 21) + `"}]}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "bad status", req: `{"listVersion":1,"updateType":"Full","localAuthorizationList":[{"idTag":"T","idTagInfo":{"status":"Maybe"}}]}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "bad expiry", req: `{"listVersion":1,"updateType":"Full","localAuthorizationList":[{"idTag":"T","idTagInfo":{"status":"Accepted","expiryDate":"tomorrow"}}]}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "unknown nested field", req: `{"listVersion":1,"updateType":"Full","localAuthorizationList":[{"idTag":"T","extra":1}]}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "failed", req: full, answer: `{"status":"Failed"}`, want: `{"status":"Failed"}`},
	})
}
