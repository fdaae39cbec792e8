package ocpp_test

import (
	"testing"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

func TestDataTransfer(t *testing.T) {
	b := newFakeBackend()
	got := mustHandle(t, newRouter(b), "c1234", "DataTransfer", `{"vendorId":"com.example","messageId":"hello","data":"x"}`)
	if got["status"] != "UnknownVendorId" {
		t.Errorf("got status %v, want UnknownVendorId", got["status"])
	}
	if n := len(b.Calls()); n != 0 {
		t.Errorf("got %d backend calls, want 0", n)
	}
	_, cerr := handle(t, newRouter(b), "c1234", "DataTransfer", `{"messageId":"hello"}`)
	wantRouterCode(t, cerr, ocpp.CodeOccurenceConstraintViolation)
}
