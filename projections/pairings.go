package projections

import (
	"encoding/json"
	"fmt"

	"github.com/chargebooth/chargebooth/domain"
)

// pairingModel is the one charger ↔ widget table of the read side. The
// charger model and the session model read it; charger views get their
// widget from it when queried.
type pairingModel struct {
	byCharger map[string]string // charger → widget
	byWidget  map[string]string // widget → charger: byCharger inverted
}

func newPairingModel() *pairingModel {
	return &pairingModel{byCharger: map[string]string{}, byWidget: map[string]string{}}
}

// Name implements ReadModel.
func (m *pairingModel) Name() string { return "pairing" }

// Apply implements ReadModel: a widget belongs to one charger at most, so
// pairing it with another one moves it.
func (m *pairingModel) Apply(e domain.Event, _ *Update) {
	switch d := e.Data.(type) {
	case domain.PairingSet:
		m.unpair(d.ChargerID)
		if c, ok := m.byWidget[d.WidgetID]; ok && c != d.ChargerID {
			m.unpair(c)
		}
		m.pair(d.ChargerID, d.WidgetID)
	case domain.PairingRemoved:
		if m.byCharger[d.ChargerID] == d.WidgetID {
			m.unpair(d.ChargerID)
		}
	}
}

// widgetOf returns the widget paired with a charger, or "".
func (m *pairingModel) widgetOf(chargerID string) string { return m.byCharger[chargerID] }

// chargerOf returns the charger a widget is paired with.
func (m *pairingModel) chargerOf(widgetID string) (string, bool) {
	c, ok := m.byWidget[widgetID]
	return c, ok
}

// pair records charger ↔ widget in both directions.
func (m *pairingModel) pair(chargerID, widgetID string) {
	m.byCharger[chargerID] = widgetID
	m.byWidget[widgetID] = chargerID
}

// unpair removes the charger's pairing, if it has one.
func (m *pairingModel) unpair(chargerID string) {
	if w, ok := m.byCharger[chargerID]; ok {
		delete(m.byCharger, chargerID)
		if m.byWidget[w] == chargerID {
			delete(m.byWidget, w)
		}
	}
}

// Snapshot implements ReadModel: charger → widget.
func (m *pairingModel) Snapshot() any {
	out := make(map[string]string, len(m.byCharger))
	for c, w := range m.byCharger {
		out[c] = w
	}
	return out
}

// Restore implements ReadModel. It refuses a table with a widget paired
// twice.
func (m *pairingModel) Restore(data json.RawMessage) error {
	var byCharger map[string]string
	if err := json.Unmarshal(data, &byCharger); err != nil {
		return err
	}
	n := newPairingModel()
	for c, w := range byCharger {
		if other, dup := n.byWidget[w]; dup {
			return fmt.Errorf("widget %s paired with both %s and %s", w, other, c)
		}
		n.pair(c, w)
	}
	*m = *n
	return nil
}

// Reset implements ReadModel.
func (m *pairingModel) Reset() { *m = *newPairingModel() }

// Entries implements ReadModel: one entry per charger.
func (m *pairingModel) Entries(put func(string, any)) { putEntries(m.byCharger, put) }
