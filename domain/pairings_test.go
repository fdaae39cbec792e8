package domain_test

import (
	"reflect"
	"testing"

	"github.com/chargebooth/chargebooth/domain"
)

// pairingsGiven folds PairingSet events for the given charger → widget
// pairs, in order.
func pairingsGiven(pairs ...domain.Pair) *domain.Pairings {
	p := domain.NewPairings()
	x := ctxAt(0)
	for i, pr := range pairs {
		e := domain.NewEvent(x.NewID(), x.Now, pr.ChargerID, "", domain.PairingSet{ChargerID: pr.ChargerID, WidgetID: pr.WidgetID})
		e.WidgetID = pr.WidgetID
		e.Seq = uint64(i + 1)
		p.Apply(e)
	}
	return p
}

func TestPairingsDecide(t *testing.T) {
	type when func(*domain.Pairings, domain.Ctx) ([]domain.Event, error)
	set := func(c, w string, steal bool) when {
		return func(p *domain.Pairings, x domain.Ctx) ([]domain.Event, error) { return p.Set(x, c, w, steal) }
	}
	remove := func(c string) when {
		return func(p *domain.Pairings, x domain.Ctx) ([]domain.Event, error) { return p.Remove(x, c) }
	}
	tests := []struct {
		name     string
		given    []domain.Pair
		when     when
		then     []domain.Payload
		wantCode string
		table    []domain.Pair // the table after folding then
	}{
		{
			name:  "set",
			when:  set("c1", "w1", false),
			then:  []domain.Payload{domain.PairingSet{ChargerID: "c1", WidgetID: "w1"}},
			table: []domain.Pair{{"c1", "w1"}},
		},
		{
			name:  "same again",
			given: []domain.Pair{{"c1", "w1"}},
			when:  set("c1", "w1", false),
			then:  nil,
			table: []domain.Pair{{"c1", "w1"}},
		},
		{
			name:     "widget taken",
			given:    []domain.Pair{{"c1", "w1"}},
			when:     set("c2", "w1", false),
			wantCode: domain.CodeWidgetTaken,
			table:    []domain.Pair{{"c1", "w1"}},
		},
		{
			name:  "steal",
			given: []domain.Pair{{"c1", "w1"}},
			when:  set("c2", "w1", true),
			then: []domain.Payload{
				domain.PairingRemoved{ChargerID: "c1", WidgetID: "w1"},
				domain.PairingSet{ChargerID: "c2", WidgetID: "w1"},
			},
			table: []domain.Pair{{"c2", "w1"}},
		},
		{
			name:  "steal onto a charger with a widget",
			given: []domain.Pair{{"c1", "w1"}, {"c2", "w2"}},
			when:  set("c2", "w1", true),
			then: []domain.Payload{
				domain.PairingRemoved{ChargerID: "c1", WidgetID: "w1"},
				domain.PairingSet{ChargerID: "c2", WidgetID: "w1"},
			},
			table: []domain.Pair{{"c2", "w1"}},
		},
		{
			name:  "a new widget replaces the charger's old one",
			given: []domain.Pair{{"c1", "w1"}},
			when:  set("c1", "w2", false),
			then:  []domain.Payload{domain.PairingSet{ChargerID: "c1", WidgetID: "w2"}},
			table: []domain.Pair{{"c1", "w2"}},
		},
		{
			name:  "remove",
			given: []domain.Pair{{"c1", "w1"}, {"c2", "w2"}},
			when:  remove("c1"),
			then:  []domain.Payload{domain.PairingRemoved{ChargerID: "c1", WidgetID: "w1"}},
			table: []domain.Pair{{"c2", "w2"}},
		},
		{
			name:     "remove unknown",
			given:    []domain.Pair{{"c1", "w1"}},
			when:     remove("c9"),
			wantCode: domain.CodeNotFound,
			table:    []domain.Pair{{"c1", "w1"}},
		},
		{name: "bad charger id", when: set("c/1", "w1", false), wantCode: domain.CodeInvalidID, table: []domain.Pair{}},
		{name: "bad widget id", when: set("c1", "", false), wantCode: domain.CodeInvalidID, table: []domain.Pair{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pairingsGiven(tt.given...)
			x := ctxAt(0)
			got, err := tt.when(p, x)
			checkCode(t, err, tt.wantCode)
			checkPayloads(t, got, tt.then)
			for i, e := range got {
				if e.Type != e.Data.EventType() {
					t.Errorf("event %d: type %q, payload %q", i, e.Type, e.Data.EventType())
				}
				if got, want := e.Key(), domain.PairingsKey; got != want {
					t.Errorf("event %d: key got %+v, want %+v", i, got, want)
				}
				var c, w string
				switch d := e.Data.(type) {
				case domain.PairingSet:
					c, w = d.ChargerID, d.WidgetID
				case domain.PairingRemoved:
					c, w = d.ChargerID, d.WidgetID
				}
				if e.ChargerID != c || e.WidgetID != w {
					t.Errorf("event %d: envelope charger %q widget %q, payload %q %q", i, e.ChargerID, e.WidgetID, c, w)
				}
			}
			for _, e := range got {
				p.Apply(e)
			}
			if gotT := p.List(); !reflect.DeepEqual(gotT, tt.table) {
				t.Errorf("table: got %v, want %v", gotT, tt.table)
			}
			checkInverse(t, p)
		})
	}
}

// checkInverse fails unless ByWidget is exactly the inverse of ByCharger.
func checkInverse(tb testing.TB, p *domain.Pairings) {
	tb.Helper()
	if got, want := len(p.ByWidget), len(p.ByCharger); got != want {
		tb.Errorf("ByWidget has %d rows, ByCharger %d: %v / %v", got, want, p.ByWidget, p.ByCharger)
	}
	for c, w := range p.ByCharger {
		if got := p.ByWidget[w]; got != c {
			tb.Errorf("ByWidget[%q]: got %q, want %q", w, got, c)
		}
	}
}

func TestPairingsApplyReplacesOldWidget(t *testing.T) {
	p := pairingsGiven(domain.Pair{ChargerID: "c1", WidgetID: "w1"}, domain.Pair{ChargerID: "c1", WidgetID: "w2"})
	if _, ok := p.ByWidget["w1"]; ok {
		t.Fatalf("old widget w1 still paired: %v", p.ByWidget)
	}
	// w1 is free again.
	evs, err := p.Set(ctxAt(0), "c2", "w1", false)
	checkCode(t, err, "")
	checkPayloads(t, evs, []domain.Payload{domain.PairingSet{ChargerID: "c2", WidgetID: "w1"}})
}

func TestPairingsList(t *testing.T) {
	p := pairingsGiven(
		domain.Pair{ChargerID: "c9", WidgetID: "w1"},
		domain.Pair{ChargerID: "A1", WidgetID: "w2"},
		domain.Pair{ChargerID: "c10", WidgetID: "w3"},
		domain.Pair{ChargerID: "b", WidgetID: "w4"},
	)
	want := []domain.Pair{{"A1", "w2"}, {"b", "w4"}, {"c10", "w3"}, {"c9", "w1"}}
	if got := p.List(); !reflect.DeepEqual(got, want) {
		t.Fatalf("List: got %v, want %v", got, want)
	}
	if got, want := p.Version, uint64(4); got != want {
		t.Errorf("version: got %d, want %d", got, want)
	}
}

func TestPairingsRemoveStaleIgnored(t *testing.T) {
	// A removal of a pair that was replaced meanwhile leaves the new pair.
	p := pairingsGiven(domain.Pair{ChargerID: "c1", WidgetID: "w2"})
	e := domain.NewEvent("x", t0, "c1", "", domain.PairingRemoved{ChargerID: "c1", WidgetID: "w1"})
	p.Apply(e)
	if got, want := p.List(), []domain.Pair{{"c1", "w2"}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("table: got %v, want %v", got, want)
	}
}
