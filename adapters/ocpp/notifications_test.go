package ocpp_test

import (
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

func TestNotificationsAreAcceptedAndRecorded(t *testing.T) {
	tests := []struct {
		action, payload string
		want            ocpp.Notification
	}{
		{"FirmwareStatusNotification", `{"status":"Installed"}`,
			ocpp.Notification{Action: "FirmwareStatusNotification", Status: "Installed", Time: fixedNow}},
		{"DiagnosticsStatusNotification", `{"status":"UploadFailed"}`,
			ocpp.Notification{Action: "DiagnosticsStatusNotification", Status: "UploadFailed", Time: fixedNow}},
		{"SecurityEventNotification", `{"type":"FirmwareUpdated","timestamp":"2026-07-04T18:05:00Z","techInfo":"1.2.3"}`,
			ocpp.Notification{Action: "SecurityEventNotification", Kind: "FirmwareUpdated",
				Time: time.Date(2026, 7, 4, 18, 5, 0, 0, time.UTC), TechInfo: "1.2.3"}},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			b := newFakeBackend()
			conf, cerr := handle(t, newRouter(b), "c1234", tt.action, tt.payload)
			if cerr != nil || conf == nil {
				t.Fatalf("got %v, want an empty confirmation", cerr)
			}
			calls := b.Calls()
			if len(calls) != 1 || calls[0].Method != "Notify" {
				t.Fatalf("got calls %+v, want one Notify", calls)
			}
			if got := calls[0].Args[0].(ocpp.Notification); !got.Time.Equal(tt.want.Time) || got.Action != tt.want.Action ||
				got.Status != tt.want.Status || got.Kind != tt.want.Kind || got.TechInfo != tt.want.TechInfo {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNotificationViolations(t *testing.T) {
	tests := []struct {
		action, payload string
		want            ocpp.ErrorCode
	}{
		{"FirmwareStatusNotification", `{"status":"Done"}`, ocpp.CodePropertyConstraintViolation},
		{"FirmwareStatusNotification", `{}`, ocpp.CodeOccurenceConstraintViolation},
		{"DiagnosticsStatusNotification", `{"status":1}`, ocpp.CodeTypeConstraintViolation},
		{"SecurityEventNotification", `{"type":"X"}`, ocpp.CodeOccurenceConstraintViolation},
		{"SecurityEventNotification", `{"type":"X","timestamp":"yesterday"}`, ocpp.CodePropertyConstraintViolation},
	}
	for _, tt := range tests {
		t.Run(tt.action+" "+tt.payload, func(t *testing.T) {
			b := newFakeBackend()
			_, cerr := handle(t, newRouter(b), "c1234", tt.action, tt.payload)
			wantRouterCode(t, cerr, tt.want)
			if n := len(b.Calls()); n != 0 {
				t.Errorf("got %d backend calls, want 0", n)
			}
		})
	}
}
