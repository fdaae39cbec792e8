package metrics_test

import (
	"testing"

	"github.com/chargebooth/chargebooth/adapters/metrics"
)

func TestStoreGauges(t *testing.T) {
	tests := []struct {
		state           string
		wantReady, full float64
	}{
		{"", 1, 0},
		{metrics.StoreFullState, 0, 1},
		{"store_unavailable", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.state, func(t *testing.T) {
			m := metrics.New(metrics.Options{StoreState: func() string { return tt.state }})
			fams := scrape(t, m)
			if got, _ := value(t, fams, "chargebooth_store_ready"); got != tt.wantReady {
				t.Errorf("store_ready: got %v, want %v", got, tt.wantReady)
			}
			if got, _ := value(t, fams, "chargebooth_store_full"); got != tt.full {
				t.Errorf("store_full: got %v, want %v", got, tt.full)
			}
		})
	}
	if got, ok := value(t, scrape(t, metrics.New(metrics.Options{})), "chargebooth_store_ready"); !ok || got != 1 {
		t.Errorf("no StoreState: store_ready %v (%v), want 1", got, ok)
	}
}

func TestEventsUnknownByType(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.EventUnknown("charger.future")
	m.EventUnknown("charger.future")
	m.EventUnknown("?")
	fams := scrape(t, m)
	if got, _ := value(t, fams, "chargebooth_events_unknown_total", "type", "charger.future"); got != 2 {
		t.Errorf("charger.future: got %v, want 2", got)
	}
	if got, _ := value(t, fams, "chargebooth_events_unknown_total", "type", "?"); got != 1 {
		t.Errorf("?: got %v, want 1", got)
	}
}

func TestOCPPRefusedByReason(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.OCPPRefused("c1", "rate_limited")
	m.OCPPRefused("c2", "rate_limited")
	m.OCPPRefused("c1", "made-up")
	fams := scrape(t, m)
	if got, _ := value(t, fams, "chargebooth_ocpp_refused_total", "reason", "rate_limited"); got != 2 {
		t.Errorf("rate_limited: got %v, want 2", got)
	}
	if got, _ := value(t, fams, "chargebooth_ocpp_refused_total", "reason", "other"); got != 1 {
		t.Errorf("other: got %v, want 1", got)
	}
}

func TestDeviceRefusedBounded(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.DeviceRefused("charger", "not_enrolled")
	m.DeviceRefused("toaster", "made-up")
	fams := scrape(t, m)
	if got, _ := value(t, fams, "chargebooth_devices_refused_total", "kind", "charger", "cause", "not_enrolled"); got != 1 {
		t.Errorf("charger not_enrolled: got %v, want 1", got)
	}
	if got, _ := value(t, fams, "chargebooth_devices_refused_total", "kind", "other", "cause", "other"); got != 1 {
		t.Errorf("other other: got %v, want 1", got)
	}
}
