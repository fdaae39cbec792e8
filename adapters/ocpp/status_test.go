package ocpp_test

import (
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

func TestStatusNotification(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    []any
	}{
		{"with timestamp",
			`{"connectorId":1,"errorCode":"NoError","status":"Charging","timestamp":"2026-07-04T20:00:00+02:00"}`,
			[]any{1, "Charging", "NoError", "", time.Date(2026, 7, 4, 18, 0, 0, 0, time.UTC)}},
		{"charger as a whole, no timestamp, with info",
			`{"connectorId":0,"errorCode":"GroundFailure","status":"Faulted","info":"earth leak","vendorErrorCode":"E17"}`,
			[]any{0, "Faulted", "GroundFailure", "earth leak", fixedNow}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBackend()
			got := mustHandle(t, newRouter(b), "c1234", "StatusNotification", tt.payload)
			if len(got) != 0 {
				t.Errorf("got confirmation %v, want {}", got)
			}
			calls := b.Calls()
			if len(calls) != 1 || calls[0].Method != "ConnectorStatus" {
				t.Fatalf("got calls %+v, want one ConnectorStatus", calls)
			}
			args := calls[0].Args
			for i := range 4 {
				if args[i] != tt.want[i] {
					t.Errorf("arg %d: got %v, want %v", i, args[i], tt.want[i])
				}
			}
			if ts := args[4].(time.Time); !ts.Equal(tt.want[4].(time.Time)) {
				t.Errorf("got timestamp %v, want %v", ts, tt.want[4])
			}
		})
	}
}

func TestStatusNotificationViolations(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    ocpp.ErrorCode
	}{
		{"missing status", `{"connectorId":1,"errorCode":"NoError"}`, ocpp.CodeOccurenceConstraintViolation},
		{"missing connector", `{"errorCode":"NoError","status":"Available"}`, ocpp.CodeOccurenceConstraintViolation},
		{"bad status", `{"connectorId":1,"errorCode":"NoError","status":"Sleeping"}`, ocpp.CodePropertyConstraintViolation},
		{"bad error code", `{"connectorId":1,"errorCode":"Oops","status":"Available"}`, ocpp.CodePropertyConstraintViolation},
		{"negative connector", `{"connectorId":-1,"errorCode":"NoError","status":"Available"}`, ocpp.CodePropertyConstraintViolation},
		{"connector a string", `{"connectorId":"1","errorCode":"NoError","status":"Available"}`, ocpp.CodeTypeConstraintViolation},
		{"info over 50", `{"connectorId":1,"errorCode":"NoError","status":"Available","info":"` + repeat("i", 51) + `"}`, ocpp.CodePropertyConstraintViolation},
		{"timestamp without zone", `{"connectorId":1,"errorCode":"NoError","status":"Available","timestamp":"2026-07-04T18:00:00"}`, ocpp.CodePropertyConstraintViolation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, cerr := handle(t, newRouter(newFakeBackend()), "c1234", "StatusNotification", tt.payload)
			wantRouterCode(t, cerr, tt.want)
		})
	}
}
