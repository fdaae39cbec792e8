package ocpp_test

import (
	"testing"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

func TestAuthorize(t *testing.T) {
	tests := []struct {
		name   string
		status ocpp.IDTagStatus
		want   string
	}{
		{"accepted", ocpp.IDTagAccepted, "Accepted"},
		{"blocked", ocpp.IDTagBlocked, "Blocked"},
		{"unknown status is invalid", ocpp.IDTagStatus("Nope"), "Invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBackend()
			b.authStatus = tt.status
			got := mustHandle(t, newRouter(b), "c1234", "Authorize", `{"idTag":"B4A63CDF"}`)
			info, _ := got["idTagInfo"].(map[string]any)
			if info["status"] != tt.want {
				t.Errorf("got idTagInfo %v, want status %s", got["idTagInfo"], tt.want)
			}
			calls := b.Calls()
			if len(calls) != 1 || calls[0].Method != "Authorize" || calls[0].Args[0] != "B4A63CDF" {
				t.Errorf("got calls %+v, want Authorize B4A63CDF", calls)
			}
		})
	}
}

func TestAuthorizeViolations(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    ocpp.ErrorCode
	}{
		{"missing idTag", `{}`, ocpp.CodeOccurenceConstraintViolation},
		{"idTag a number", `{"idTag":12}`, ocpp.CodeTypeConstraintViolation},
		{"idTag over 20", `{"idTag":"` + repeat("A", 21) + `"}`, ocpp.CodePropertyConstraintViolation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, cerr := handle(t, newRouter(newFakeBackend()), "c1234", "Authorize", tt.payload)
			wantRouterCode(t, cerr, tt.want)
		})
	}
}
