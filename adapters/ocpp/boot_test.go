package ocpp_test

import (
	"testing"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

func TestBootNotification(t *testing.T) {
	const payload = `{"chargePointVendor":"VendorX","chargePointModel":"SingleSocketCharger",
		"chargePointSerialNumber":"cp-001","firmwareVersion":"1.2.3","meterType":"DC"}`
	tests := []struct {
		name     string
		decision ocpp.BootDecision
		want     string
	}{
		{"accepted", ocpp.BootAccepted, "Accepted"},
		{"pending", ocpp.BootPending, "Pending"},
		{"rejected", ocpp.BootRejected, "Rejected"},
		{"unknown decision is rejected", ocpp.BootDecision("Maybe"), "Rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBackend()
			b.bootDecision = tt.decision
			got := mustHandle(t, newRouter(b), "c1234", "BootNotification", payload)
			if got["status"] != tt.want {
				t.Errorf("got status %v, want %s", got["status"], tt.want)
			}
			if got["interval"] != float64(60) {
				t.Errorf("got interval %v, want 60", got["interval"])
			}
			if got["currentTime"] != "2026-07-04T18:30:00.000Z" {
				t.Errorf("got currentTime %v, want 2026-07-04T18:30:00.000Z", got["currentTime"])
			}
			calls := b.Calls()
			if len(calls) != 1 || calls[0].Method != "Boot" || calls[0].ChargerID != "c1234" {
				t.Fatalf("got calls %+v, want one Boot for c1234", calls)
			}
			want := ocpp.BootInfo{Vendor: "VendorX", Model: "SingleSocketCharger",
				ChargePointSerialNumber: "cp-001", FirmwareVersion: "1.2.3", MeterType: "DC"}
			if got := calls[0].Args[0].(ocpp.BootInfo); got != want {
				t.Errorf("got info %+v, want %+v", got, want)
			}
		})
	}
}

func TestBootNotificationViolations(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    ocpp.ErrorCode
	}{
		{"missing vendor", `{"chargePointModel":"M"}`, ocpp.CodeOccurenceConstraintViolation},
		{"null model", `{"chargePointVendor":"V","chargePointModel":null}`, ocpp.CodeOccurenceConstraintViolation},
		{"vendor a number", `{"chargePointVendor":7,"chargePointModel":"M"}`, ocpp.CodeTypeConstraintViolation},
		{"vendor over 20", `{"chargePointVendor":"ABCDEFGHIJKLMNOPQRSTU","chargePointModel":"M"}`, ocpp.CodePropertyConstraintViolation},
		{"firmware over 50", `{"chargePointVendor":"V","chargePointModel":"M","firmwareVersion":"` + repeat("9", 51) + `"}`, ocpp.CodePropertyConstraintViolation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBackend()
			_, cerr := handle(t, newRouter(b), "c1234", "BootNotification", tt.payload)
			wantRouterCode(t, cerr, tt.want)
			if n := len(b.Calls()); n != 0 {
				t.Errorf("got %d backend calls, want 0", n)
			}
		})
	}
}
