package projections_test

import (
	"testing"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
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

func TestBoardPairingLookupSurvivesCheckpoint(t *testing.T) {
	s := &stream{}
	s.add("c1", "", domain.PairingSet{ChargerID: "c1", WidgetID: "w1"})
	s.add("c2", "", domain.PairingSet{ChargerID: "c2", WidgetID: "w2"})
	data, _, err := fold(t, domain.DefaultTariff, s.events).Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	b := projections.NewBoard(domain.DefaultTariff)
	if _, err := b.Restore(data); err != nil {
		t.Fatal(err)
	}
	if got, ok := b.ChargerOf("w2"); !ok || got != "c2" {
		t.Errorf("restored: got %q %v, want c2", got, ok)
	}
	// A pairing applied after the restore moves w2 off c2.
	next := s.add("c1", "", domain.PairingSet{ChargerID: "c1", WidgetID: "w2"})
	if err := b.Apply(next); err != nil {
		t.Fatal(err)
	}
	if got, ok := b.ChargerOf("w2"); !ok || got != "c1" {
		t.Errorf("after move: got %q %v, want c1", got, ok)
	}
	if got := b.WidgetOf("c2"); got != "" {
		t.Errorf("c2 widget: got %q, want none", got)
	}
	if _, ok := b.ChargerOf("w1"); ok {
		t.Errorf("w1 still paired after c1 took w2")
	}
}
