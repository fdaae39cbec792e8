package domain

import (
	"encoding/json"
	"fmt"
	"sort"
)

// DemoPair is the pairing a fresh store gets out of the box, so that the
// mock charger and widget work together at once.
var DemoPair = Pair{ChargerID: "c1234", WidgetID: "wABCD"}

// ParsePairingsFile parses a pairings file: a JSON object of charger id →
// widget id, {"c1234":"wABCD", …}. A widget named for two chargers is
// refused (which one should have it?). Ids are checked by Configure.
func ParsePairingsFile(b []byte) (map[string]string, error) {
	var file map[string]string
	if err := json.Unmarshal(b, &file); err != nil {
		return nil, fmt.Errorf("want a JSON object {\"c1234\":\"wABCD\"}: %w", err)
	}
	byWidget := make(map[string]string, len(file))
	for _, c := range sortedChargers(file) {
		w := file[c]
		if other, ok := byWidget[w]; ok {
			return nil, fmt.Errorf("widget %q is named for both charger %q and charger %q; a widget belongs to one charger at most", w, other, c)
		}
		byWidget[w] = c
	}
	return file, nil
}

// Configure decides the pairings given at start-up. On a fresh table (no
// pairing event was ever stored) it adds DemoPair when demo is set, unless
// file names its charger or its widget. Then it sets every pair of file, in
// charger id order, overriding: a widget file names is taken from any other
// charger. Pairs already in place yield no events. An error names the pair
// ("c1 → w1: …") and nothing is decided.
func (p *Pairings) Configure(x Ctx, file map[string]string, demo bool) ([]Event, error) {
	want := file
	if demo && p.Version == 0 && !mentions(file, DemoPair) {
		want = make(map[string]string, len(file)+1)
		for c, w := range file {
			want[c] = w
		}
		want[DemoPair.ChargerID] = DemoPair.WidgetID
	}
	// Decide on a scratch copy so that each pair sees the previous ones.
	scratch := p.clone()
	var out []Event
	for _, c := range sortedChargers(want) {
		evs, err := scratch.Set(x, c, want[c], true)
		if err != nil {
			return nil, fmt.Errorf("%s → %s: %w", c, want[c], err)
		}
		for _, e := range evs {
			scratch.Apply(e)
		}
		out = append(out, evs...)
	}
	return out, nil
}

// mentions reports whether file names pr's charger or pr's widget.
func mentions(file map[string]string, pr Pair) bool {
	for c, w := range file {
		if c == pr.ChargerID || w == pr.WidgetID {
			return true
		}
	}
	return false
}

func (p *Pairings) clone() *Pairings {
	q := NewPairings()
	q.Version = p.Version
	for c, w := range p.ByCharger {
		q.ByCharger[c], q.ByWidget[w] = w, c
	}
	return q
}

func sortedChargers(file map[string]string) []string {
	out := make([]string, 0, len(file))
	for c := range file {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
