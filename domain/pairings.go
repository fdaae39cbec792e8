package domain

import "sort"

// Pairings is the charger ↔ widget table as an aggregate: a charger has at
// most one widget and a widget belongs to one charger at most.
type Pairings struct {
	Version   uint64
	ByCharger map[string]string
	ByWidget  map[string]string
}

// Pair is one row of the pairing table.
type Pair struct {
	ChargerID string `json:"chargerId"`
	WidgetID  string `json:"widgetId"`
}

// NewPairings returns the empty table.
func NewPairings() *Pairings {
	return &Pairings{ByCharger: map[string]string{}, ByWidget: map[string]string{}}
}

// Apply folds a pairing event.
func (p *Pairings) Apply(e Event) {
	if e.Seq > p.Version {
		p.Version = e.Seq
	}
	switch d := e.Data.(type) {
	case PairingSet:
		if old, ok := p.ByCharger[d.ChargerID]; ok {
			delete(p.ByWidget, old)
		}
		if oldC, ok := p.ByWidget[d.WidgetID]; ok {
			delete(p.ByCharger, oldC)
		}
		p.ByCharger[d.ChargerID] = d.WidgetID
		p.ByWidget[d.WidgetID] = d.ChargerID
	case PairingRemoved:
		if p.ByCharger[d.ChargerID] == d.WidgetID {
			delete(p.ByCharger, d.ChargerID)
			delete(p.ByWidget, d.WidgetID)
		}
	}
}

// List returns the table sorted by charger id.
func (p *Pairings) List() []Pair {
	out := make([]Pair, 0, len(p.ByCharger))
	for c, w := range p.ByCharger {
		out = append(out, Pair{ChargerID: c, WidgetID: w})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ChargerID < out[j].ChargerID })
	return out
}

// Set pairs widgetID with chargerID. A widget paired with another charger
// is refused, unless steal is set (start-up configuration overrides), in
// which case it is first removed from that charger. Setting an existing
// pair yields no events.
func (p *Pairings) Set(x Ctx, chargerID, widgetID string, steal bool) ([]Event, error) {
	if err := ValidateDeviceID("charger", chargerID); err != nil {
		return nil, err
	}
	if err := ValidateDeviceID("widget", widgetID); err != nil {
		return nil, err
	}
	if p.ByCharger[chargerID] == widgetID {
		return nil, nil
	}
	var out []Event
	if other, ok := p.ByWidget[widgetID]; ok {
		if !steal {
			return nil, Errorf(CodeWidgetTaken, "widget %s is already paired with charger %s", widgetID, other)
		}
		out = append(out, p.event(x, other, widgetID, PairingRemoved{ChargerID: other, WidgetID: widgetID}))
	}
	return append(out, p.event(x, chargerID, widgetID, PairingSet{ChargerID: chargerID, WidgetID: widgetID})), nil
}

// Remove unpairs chargerID.
func (p *Pairings) Remove(x Ctx, chargerID string) ([]Event, error) {
	w, ok := p.ByCharger[chargerID]
	if !ok {
		return nil, Errorf(CodeNotFound, "charger %s has no paired widget", chargerID)
	}
	return []Event{p.event(x, chargerID, w, PairingRemoved{ChargerID: chargerID, WidgetID: w})}, nil
}

func (p *Pairings) event(x Ctx, chargerID, widgetID string, d Payload) Event {
	e := NewEvent(x.NewID(), x.Now, chargerID, "", d)
	e.WidgetID = widgetID
	return e
}
