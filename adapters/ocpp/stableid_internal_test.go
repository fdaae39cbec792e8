package ocpp

import "testing"

func TestEventIDKeepsPartsApart(t *testing.T) {
	a := eventID("c1", "StartTransaction", "ab", "c")
	if got := eventID("c1", "StartTransaction", "ab", "c"); got != a {
		t.Fatalf("not deterministic: got %s, want %s", got, a)
	}
	tests := map[string]string{
		"parts split differently":  eventID("c1", "StartTransaction", "a", "bc"),
		"other charger":            eventID("c2", "StartTransaction", "ab", "c"),
		"other action":             eventID("c1", "StopTransaction", "ab", "c"),
		"charger and action glued": eventID("c1S", "tartTransaction", "ab", "c"),
		"one part fewer":           eventID("c1", "StartTransaction", "ab"),
		"an empty part more":       eventID("c1", "StartTransaction", "ab", "c", ""),
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			if a == b {
				t.Errorf("got the same id %s, want different ones", a)
			}
		})
	}
}
