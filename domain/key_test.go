package domain_test

import (
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// TestEventKeys: each family of event types lives on its aggregate's
// subject: per charger, per widget, or one booth-wide aggregate.
func TestEventKeys(t *testing.T) {
	tests := []struct {
		typ  string
		want domain.StreamKey
	}{
		{domain.TypeSoCReported, domain.ChargerKey("c1")},
		{domain.TypePaymentRecorded, domain.ChargerKey("c1")},
		{domain.TypeOCPPCallSent, domain.ChargerKey("c1")},
		{domain.TypeWidgetConnected, domain.StreamKey{Kind: domain.KindWidget, ID: "w1"}},
		{domain.TypePairingSet, domain.PairingsKey},
		{domain.TypeNoticeFired, domain.NoticesKey},
		{domain.TypeDeviceEnrolled, domain.DevicesKey},
		{domain.TypeTxIDAllocated, domain.TxIDsKey},
		{domain.TypeIDTagSet, domain.IDTagsKey},
		{domain.TypeStaffAdded, domain.StaffKey},
		{domain.TypeShiftOpened, domain.ShiftsKey},
		{"charger.teleported", domain.ChargerKey("c1")},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			e := domain.Event{Type: tt.typ, ChargerID: "c1", WidgetID: "w1", Time: time.Now()}
			if got := e.Key(); got != tt.want {
				t.Errorf("Key of %s: got %+v, want %+v", tt.typ, got, tt.want)
			}
		})
	}
}
