package ocpp_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

func TestParseFrame(t *testing.T) {
	long := strings.Repeat("x", 37)
	tests := []struct {
		name    string
		in      string
		want    ocpp.Frame
		code    ocpp.ErrorCode // "" when the frame is valid
		wantID  string         // unique id of the ProtocolError
		errType ocpp.MessageType
	}{
		{name: "call", in: `[2,"19223201","BootNotification",{"chargePointVendor":"VendorX","chargePointModel":"SingleSocketCharger"}]`,
			want: ocpp.Frame{Type: ocpp.TypeCall, ID: "19223201", Action: "BootNotification",
				Payload: json.RawMessage(`{"chargePointVendor":"VendorX","chargePointModel":"SingleSocketCharger"}`)}},
		{name: "call with spaces", in: " [ 2 , \"a\" , \"Heartbeat\" , { } ] \n",
			want: ocpp.Frame{Type: ocpp.TypeCall, ID: "a", Action: "Heartbeat", Payload: json.RawMessage(`{ }`)}},
		{name: "call result", in: `[3,"19223201",{"currentTime":"2013-02-01T20:53:32.486Z","interval":300,"status":"Accepted"}]`,
			want: ocpp.Frame{Type: ocpp.TypeCallResult, ID: "19223201",
				Payload: json.RawMessage(`{"currentTime":"2013-02-01T20:53:32.486Z","interval":300,"status":"Accepted"}`)}},
		{name: "call error", in: `[4,"162376037","NotSupported","SetDisplayMessageRequest not implemented",{}]`,
			want: ocpp.Frame{Type: ocpp.TypeCallError, ID: "162376037", ErrorCode: ocpp.CodeNotSupported,
				ErrorDescription: "SetDisplayMessageRequest not implemented", ErrorDetails: json.RawMessage(`{}`)}},
		{name: "call error FormatViolation spelling", in: `[4,"1","FormatViolation","bad",{}]`,
			want: ocpp.Frame{Type: ocpp.TypeCallError, ID: "1", ErrorCode: ocpp.CodeFormationViolation,
				ErrorDescription: "bad", ErrorDetails: json.RawMessage(`{}`)}},
		{name: "call error OccurrenceConstraintViolation spelling", in: `[4,"1","OccurrenceConstraintViolation","missing",{"field":"idTag"}]`,
			want: ocpp.Frame{Type: ocpp.TypeCallError, ID: "1", ErrorCode: ocpp.CodeOccurenceConstraintViolation,
				ErrorDescription: "missing", ErrorDetails: json.RawMessage(`{"field":"idTag"}`)}},
		{name: "id of 36 characters", in: `[2,"` + long[:36] + `","Heartbeat",{}]`,
			want: ocpp.Frame{Type: ocpp.TypeCall, ID: long[:36], Action: "Heartbeat", Payload: json.RawMessage(`{}`)}},

		{name: "not json", in: `[2,"1","Heartbeat",{]`, code: ocpp.CodeFormationViolation, wantID: ocpp.UnknownID},
		{name: "empty", in: ``, code: ocpp.CodeFormationViolation, wantID: ocpp.UnknownID},
		{name: "object", in: `{"event":"StateOfCharge","data":{"soc":70}}`, code: ocpp.CodeFormationViolation, wantID: ocpp.UnknownID},
		{name: "too short", in: `[2,"7"]`, code: ocpp.CodeFormationViolation, wantID: "7", errType: ocpp.TypeCall},
		{name: "result too short", in: `[3,"7"]`, code: ocpp.CodeFormationViolation, wantID: "7", errType: ocpp.TypeCallResult},
		{name: "empty array", in: `[]`, code: ocpp.CodeFormationViolation, wantID: ocpp.UnknownID},
		{name: "type not a number", in: `["2","7","Heartbeat",{}]`, code: ocpp.CodeFormationViolation, wantID: "7"},
		{name: "type a fraction", in: `[2.5,"7","Heartbeat",{}]`, code: ocpp.CodeFormationViolation, wantID: "7"},
		{name: "id not a string", in: `[2,7,"Heartbeat",{}]`, code: ocpp.CodeFormationViolation, wantID: ocpp.UnknownID, errType: ocpp.TypeCall},
		{name: "call too long", in: `[2,"7","Heartbeat",{},{}]`, code: ocpp.CodeFormationViolation, wantID: "7", errType: ocpp.TypeCall},
		{name: "call action not a string", in: `[2,"7",5,{}]`, code: ocpp.CodeFormationViolation, wantID: "7", errType: ocpp.TypeCall},
		{name: "call empty action", in: `[2,"7","",{}]`, code: ocpp.CodeFormationViolation, wantID: "7", errType: ocpp.TypeCall},
		{name: "call payload array", in: `[2,"7","Heartbeat",[]]`, code: ocpp.CodeFormationViolation, wantID: "7", errType: ocpp.TypeCall},
		{name: "call payload null", in: `[2,"7","Heartbeat",null]`, code: ocpp.CodeFormationViolation, wantID: "7", errType: ocpp.TypeCall},
		{name: "result too long", in: `[3,"7",{},{}]`, code: ocpp.CodeFormationViolation, wantID: "7", errType: ocpp.TypeCallResult},
		{name: "error too short", in: `[4,"7","InternalError","x"]`, code: ocpp.CodeFormationViolation, wantID: "7", errType: ocpp.TypeCallError},
		{name: "error code not a string", in: `[4,"7",1,"x",{}]`, code: ocpp.CodeFormationViolation, wantID: "7", errType: ocpp.TypeCallError},
		{name: "unknown message type", in: `[5,"7","Heartbeat",{}]`, code: ocpp.CodeProtocolError, wantID: "7"},
		{name: "id too long", in: `[2,"` + long + `","Heartbeat",{}]`, code: ocpp.CodeProtocolError, wantID: long, errType: ocpp.TypeCall},
		{name: "empty id", in: `[2,"","Heartbeat",{}]`, code: ocpp.CodeProtocolError, wantID: ocpp.UnknownID, errType: ocpp.TypeCall},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ocpp.ParseFrame([]byte(tt.in))
			if tt.code == "" {
				if err != nil {
					t.Fatalf("ParseFrame: %v", err)
				}
				assertFrame(t, got, tt.want)
				return
			}
			var pe *ocpp.ProtocolError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, %v; want a *ProtocolError %s", got, err, tt.code)
			}
			if pe.Code != tt.code || pe.ID != tt.wantID || pe.Type != tt.errType {
				t.Errorf("got code %s id %q type %d, want %s %q %d", pe.Code, pe.ID, pe.Type, tt.code, tt.wantID, tt.errType)
			}
		})
	}
}

func assertFrame(tb testing.TB, got, want ocpp.Frame) {
	tb.Helper()
	if got.Type != want.Type || got.ID != want.ID || got.Action != want.Action ||
		got.ErrorCode != want.ErrorCode || got.ErrorDescription != want.ErrorDescription ||
		string(got.Payload) != string(want.Payload) || string(got.ErrorDetails) != string(want.ErrorDetails) {
		tb.Errorf("got %+v, want %+v", got, want)
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	call, err := ocpp.EncodeCall("abc", ocpp.ActionRemoteStartTransaction, ocpp.RemoteStartTransactionReq{IDTag: "TAG1"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(call), `[2,"abc","RemoteStartTransaction",{"idTag":"TAG1"}]`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	res, err := ocpp.EncodeCallResult("abc", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(res), `[3,"abc",{}]`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	cerr, err := ocpp.EncodeCallError("-1", ocpp.CodeFormationViolation, "bad frame", json.RawMessage("not json"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(cerr), `[4,"-1","FormationViolation","bad frame",{}]`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if _, err := ocpp.EncodeCallResult("abc", []int{1}); err == nil {
		t.Error("EncodeCallResult of an array: got nil error, want one")
	}
	for _, b := range [][]byte{call, res, cerr} {
		if _, err := ocpp.ParseFrame(b); err != nil {
			t.Errorf("ParseFrame(%s): %v", b, err)
		}
	}
}

func TestNormalizeCode(t *testing.T) {
	tests := map[string]ocpp.ErrorCode{
		"FormatViolation":               ocpp.CodeFormationViolation,
		"FormationViolation":            ocpp.CodeFormationViolation,
		"OccurrenceConstraintViolation": ocpp.CodeOccurenceConstraintViolation,
		"OccurenceConstraintViolation":  ocpp.CodeOccurenceConstraintViolation,
		"InternalError":                 ocpp.CodeInternalError,
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := ocpp.NormalizeCode(in); got != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}
