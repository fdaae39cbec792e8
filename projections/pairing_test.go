package projections_test

import (
	"testing"

	"github.com/chargebooth/chargebooth/domain"
)

func TestBoardPairingMovesAndRemoves(t *testing.T) {
	s := &stream{}
	s.add("c1", "", domain.PairingSet{ChargerID: "c1", WidgetID: "w1"})
	s.add("c2", "", domain.PairingSet{ChargerID: "c2", WidgetID: "w1"})
	b := fold(t, domain.DefaultTariff, s.events)
	if got, ok := b.ChargerOf("w1"); !ok || got != "c2" {
		t.Errorf("after move: got %q %v, want c2", got, ok)
	}
	if got := b.WidgetOf("c1"); got != "" {
		t.Errorf("old charger widget: got %q, want none", got)
	}
	s.add("c2", "", domain.PairingRemoved{ChargerID: "c2", WidgetID: "w1"})
	b = fold(t, domain.DefaultTariff, s.events)
	if got, ok := b.ChargerOf("w1"); ok {
		t.Errorf("after remove: got %q, want none", got)
	}
}
