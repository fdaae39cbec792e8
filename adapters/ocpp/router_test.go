package ocpp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

func TestUnknownAction(t *testing.T) {
	for _, action := range []string{"SignCertificate", "heartbeat", "RemoteStartTransaction"} {
		t.Run(action, func(t *testing.T) {
			_, cerr := handle(t, newRouter(newFakeBackend()), "c1234", action, `{}`)
			wantRouterCode(t, cerr, ocpp.CodeNotImplemented)
		})
	}
}

func TestRouterActions(t *testing.T) {
	got := newRouter(newFakeBackend()).Actions()
	slices.Sort(got)
	want := []string{"Authorize", "BootNotification", "DataTransfer", "DiagnosticsStatusNotification",
		"FirmwareStatusNotification", "Heartbeat", "MeterValues", "SecurityEventNotification",
		"StartTransaction", "StatusNotification", "StopTransaction"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestBackendErrors(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantCode ocpp.ErrorCode
		wantDesc string
	}{
		{"internal", errors.New("nats: connection refused at 10.0.0.7:4222"), ocpp.CodeInternalError, "internal error"},
		{"store unavailable", fmt.Errorf("append charger.soc_reported: %w", ocpp.ErrStoreUnavailable), ocpp.CodeInternalError,
			"the event store is unavailable; the message was not stored"},
		{"store full", fmt.Errorf("append charger.soc_reported: %w", ocpp.ErrStoreFull), ocpp.CodeInternalError,
			"the event store is full; the message was not stored"},
		{"backend chooses", &ocpp.CallError{Code: ocpp.CodePropertyConstraintViolation, Description: "unknown transaction 9"},
			ocpp.CodePropertyConstraintViolation, "unknown transaction 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBackend()
			b.err = tt.err
			_, cerr := handle(t, newRouter(b), "c1234", "Heartbeat", `{}`)
			wantRouterCode(t, cerr, tt.wantCode)
			if cerr.Description != tt.wantDesc {
				t.Errorf("got description %q, want %q", cerr.Description, tt.wantDesc)
			}
		})
	}
}

func TestHandleFrame(t *testing.T) {
	r := newRouter(newFakeBackend())
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"result", `[2,"a1","Heartbeat",{}]`, `[3,"a1",{"currentTime":"2026-07-04T18:30:00.000Z"}]`},
		{"not implemented", `[2,"a2","Reset",{"type":"Hard"}]`, `[4,"a2","NotImplemented","action \"Reset\" is not implemented",{}]`},
		{"violation", `[2,"a3","Authorize",{}]`, `[4,"a3","OccurenceConstraintViolation","idTag: required",{}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ocpp.ParseFrame([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			got := string(r.HandleFrame(context.Background(), r.NewSession("c1234"), f))
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestSchemaViolations is the cross-action table of the 1.6 violation codes.
func TestSchemaViolations(t *testing.T) {
	tests := []struct {
		action  string
		payload string
		want    ocpp.ErrorCode
		field   string
	}{
		{"BootNotification", `{"chargePointModel":"M"}`, ocpp.CodeOccurenceConstraintViolation, "chargePointVendor"},
		{"StartTransaction", `{"connectorId":1,"meterStart":0,"timestamp":"2026-07-04T18:00:00Z"}`, ocpp.CodeOccurenceConstraintViolation, "idTag"},
		{"MeterValues", `{"connectorId":0,"meterValue":[{"timestamp":"2026-07-04T18:00:00Z","sampledValue":[{}]}]}`, ocpp.CodeOccurenceConstraintViolation, "meterValue[0].sampledValue[0].value"},
		{"Heartbeat", `{"x":1}`, "", ""},
		{"StatusNotification", `{"connectorId":true,"errorCode":"NoError","status":"Available"}`, ocpp.CodeTypeConstraintViolation, "connectorId"},
		{"StopTransaction", `{"transactionId":1,"meterStop":"12","timestamp":"2026-07-04T18:00:00Z"}`, ocpp.CodeTypeConstraintViolation, "meterStop"},
		{"Authorize", `{"idTag":["a"]}`, ocpp.CodeTypeConstraintViolation, "idTag"},
		{"StatusNotification", `{"connectorId":1,"errorCode":"NoError","status":"Resting"}`, ocpp.CodePropertyConstraintViolation, "status"},
		{"StopTransaction", `{"transactionId":1,"meterStop":1,"timestamp":"2026-07-04T18:00:00Z","reason":"remote"}`, ocpp.CodePropertyConstraintViolation, "reason"},
		{"Authorize", `{"idTag":"` + repeat("x", 21) + `"}`, ocpp.CodePropertyConstraintViolation, "idTag"},
		{"DataTransfer", `{"vendorId":"` + repeat("v", 256) + `"}`, ocpp.CodePropertyConstraintViolation, "vendorId"},
		{"BootNotification", `{"chargePointVendor":"V","chargePointModel":"M","chargeBoxSerialNumber":"` + repeat("s", 26) + `"}`, ocpp.CodePropertyConstraintViolation, "chargeBoxSerialNumber"},
	}
	for _, tt := range tests {
		t.Run(tt.action+" "+string(tt.want)+" "+tt.field, func(t *testing.T) {
			_, cerr := handle(t, newRouter(newFakeBackend()), "c1234", tt.action, tt.payload)
			if tt.want == "" {
				if cerr != nil {
					t.Fatalf("got %v, want a confirmation (unknown fields are ignored)", cerr)
				}
				return
			}
			wantRouterCode(t, cerr, tt.want)
			if !strings.HasPrefix(cerr.Description, tt.field) {
				t.Errorf("got description %q, want it to name %s", cerr.Description, tt.field)
			}
		})
	}
}

// TestConfirmationsValidate checks that every confirmation the server
// builds, and every call it sends, passes the 1.6 schema a strict client
// enforces, and that invalid ones are caught.
func TestConfirmationsValidate(t *testing.T) {
	one := 1
	tests := []struct {
		name string
		v    any
		want ocpp.ErrorCode // "" for valid
	}{
		{"boot", ocpp.BootNotificationConf{CurrentTime: "2026-07-04T18:30:00.000Z", Interval: 300, Status: ocpp.BootAccepted}, ""},
		{"boot without zone", ocpp.BootNotificationConf{CurrentTime: "2026-07-04T18:30:00", Interval: 300, Status: ocpp.BootAccepted}, ocpp.CodePropertyConstraintViolation},
		{"boot bad status", ocpp.BootNotificationConf{CurrentTime: "2026-07-04T18:30:00Z", Interval: 300, Status: "OK"}, ocpp.CodePropertyConstraintViolation},
		{"boot negative interval", ocpp.BootNotificationConf{CurrentTime: "2026-07-04T18:30:00Z", Interval: -1, Status: ocpp.BootAccepted}, ocpp.CodePropertyConstraintViolation},
		{"heartbeat", ocpp.HeartbeatConf{CurrentTime: "2026-07-04T18:30:00Z"}, ""},
		{"heartbeat empty", ocpp.HeartbeatConf{}, ocpp.CodeOccurenceConstraintViolation},
		{"authorize", ocpp.AuthorizeConf{IDTagInfo: ocpp.IDTagInfo{Status: ocpp.IDTagAccepted}}, ""},
		{"authorize no status", ocpp.AuthorizeConf{}, ocpp.CodeOccurenceConstraintViolation},
		{"authorize bad status", ocpp.AuthorizeConf{IDTagInfo: ocpp.IDTagInfo{Status: "Fine"}}, ocpp.CodePropertyConstraintViolation},
		{"start", ocpp.StartTransactionConf{IDTagInfo: ocpp.IDTagInfo{Status: ocpp.IDTagAccepted}, TransactionID: 1}, ""},
		{"stop empty", ocpp.StopTransactionConf{}, ""},
		{"stop bad expiry", ocpp.StopTransactionConf{IDTagInfo: &ocpp.IDTagInfo{Status: ocpp.IDTagAccepted, ExpiryDate: "soon"}}, ocpp.CodePropertyConstraintViolation},
		{"data transfer", ocpp.DataTransferConf{Status: "UnknownVendorId"}, ""},
		{"remote start", ocpp.RemoteStartTransactionReq{IDTag: "TAG", ConnectorID: &one}, ""},
		{"remote start no tag", ocpp.RemoteStartTransactionReq{}, ocpp.CodeOccurenceConstraintViolation},
		{"remote stop", ocpp.RemoteStopTransactionReq{TransactionID: &one}, ""},
		{"remote stop no id", ocpp.RemoteStopTransactionReq{}, ocpp.CodeOccurenceConstraintViolation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ocpp.ValidatePayload(tt.v)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			wantCode(t, err, tt.want)
		})
	}
}

func TestDecodePayloadRemoteConf(t *testing.T) {
	tests := []struct {
		in   string
		want ocpp.ErrorCode
	}{
		{`{"status":"Accepted"}`, ""},
		{`{"status":"Maybe"}`, ocpp.CodePropertyConstraintViolation},
		{`{}`, ocpp.CodeOccurenceConstraintViolation},
		{`{"status":1}`, ocpp.CodeTypeConstraintViolation},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var conf ocpp.RemoteStartTransactionConf
			err := ocpp.DecodePayload(json.RawMessage(tt.in), &conf)
			if tt.want == "" {
				if err != nil || conf.Status != ocpp.RemoteAccepted {
					t.Fatalf("got %v, %v; want Accepted", conf, err)
				}
				return
			}
			wantCode(t, err, tt.want)
		})
	}
}
