package metrics_test

import (
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/metrics"
	"github.com/chargebooth/chargebooth/domain"
)

func TestStoreGauges(t *testing.T) {
	tests := []struct {
		state           string
		wantReady, full float64
	}{
		{"", 1, 0},
		{domain.CodeStoreFull, 0, 1},
		{domain.CodeStoreDown, 0, 0},
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

// TestRefusalAndUnknownCounters: each counter counts by its labels, and
// labels a caller could make up count as "other" (bounded families).
func TestRefusalAndUnknownCounters(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.EventUnknown("charger.future")
	m.EventUnknown("charger.future")
	m.EventUnknown("?")
	m.EventQuarantined("session.payment_recorded", "invalid_amount")
	m.EventQuarantined("session.payment_recorded", "invalid_amount")
	m.EventQuarantined("pairing.set", "invalid_id")
	m.OCPPRefused("c1", "rate_limited")
	m.OCPPRefused("c2", "rate_limited")
	m.OCPPRefused("c1", "made-up")
	m.DeviceRefused("charger", "not_enrolled")
	m.DeviceRefused("toaster", "made-up")
	m.OCPPCall("Reset", "answered", 20*time.Millisecond)
	m.OCPPCall("Reset", "answered", 30*time.Millisecond)
	m.OCPPCall("Reset", "timeout", 30*time.Second)
	m.OCPPCall("MadeUp", "exploded", time.Second)
	fams := scrape(t, m)
	tests := []struct {
		family string
		labels []string
		want   float64
	}{
		{"chargebooth_events_unknown_total", []string{"type", "charger.future"}, 2},
		{"chargebooth_events_unknown_total", []string{"type", "?"}, 1},
		{"chargebooth_events_quarantined_total", []string{"type", "session.payment_recorded", "reason", "invalid_amount"}, 2},
		{"chargebooth_events_quarantined_total", []string{"type", "pairing.set", "reason", "invalid_id"}, 1},
		{"chargebooth_ocpp_refused_total", []string{"reason", "rate_limited"}, 2},
		{"chargebooth_ocpp_refused_total", []string{"reason", "other"}, 1},
		{"chargebooth_devices_refused_total", []string{"kind", "charger", "cause", "not_enrolled"}, 1},
		{"chargebooth_devices_refused_total", []string{"kind", "other", "cause", "other"}, 1},
		{"chargebooth_ocpp_calls_total", []string{"action", "Reset", "outcome", "answered"}, 2},
		{"chargebooth_ocpp_calls_total", []string{"action", "Reset", "outcome", "timeout"}, 1},
		{"chargebooth_ocpp_calls_total", []string{"action", "other", "outcome", "other"}, 1},
	}
	for _, tt := range tests {
		if got, _ := value(t, fams, tt.family, tt.labels...); got != tt.want {
			t.Errorf("%s %v: got %v, want %v", tt.family, tt.labels, got, tt.want)
		}
	}
}
