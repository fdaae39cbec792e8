package projections

import (
	"encoding/json"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// chargerModel is every charger's view: presence, boot data, connectors,
// open session and the LED status, which is computed here (with
// domain.StatusFor) and stored nowhere else. It fills the listeners'
// Update with the charger's widget and status.
//
// A view's WidgetID is left empty: the pairing model is the one table of
// pairings and the queries fill WidgetID from it.
type chargerModel struct {
	pairs *pairingModel // read before the pairing model applies the same event
	byID  map[string]*ChargerView
}

func newChargerModel(pairs *pairingModel) *chargerModel {
	return &chargerModel{pairs: pairs, byID: map[string]*ChargerView{}}
}

// Name implements ReadModel.
func (m *chargerModel) Name() string { return "charger" }

// get returns a charger's view, making it on first sight.
func (m *chargerModel) get(id string) *ChargerView {
	c, ok := m.byID[id]
	if !ok {
		c = &ChargerView{ChargerID: id}
		m.byID[id] = c
	}
	return c
}

// Apply implements ReadModel.
func (m *chargerModel) Apply(e domain.Event, u *Update) {
	switch d := e.Data.(type) {
	case domain.SoCReported:
		c := m.get(e.ChargerID)
		if c.SoC == nil { // kept across readings: a reading allocates nothing
			c.SoC = new(float64)
		}
		*c.SoC = d.SoC
		c.Status = domain.StatusFor(d.SoC)
		seen := e.Time // a replayed reading's time is its sample time
		if d.ReceivedAt != nil {
			seen = *d.ReceivedAt
		}
		c.seen(seen)
		u.SendStatus = true
	case domain.ChargerConnected:
		c := m.get(e.ChargerID)
		c.Online, c.Conn, c.Protocol = true, d.Conn, d.Protocol
		c.seen(e.Time)
	case domain.ChargerDisconnected:
		c := m.get(e.ChargerID)
		if c.Conn == d.Conn {
			c.Online, c.Conn = false, ""
		}
		c.seen(e.Time)
	case domain.ChargerBooted:
		meta := d
		m.get(e.ChargerID).Meta = &meta
	case domain.ConnectorStatus:
		c := m.get(e.ChargerID)
		if c.Connectors == nil {
			c.Connectors = map[int]*domain.ConnectorStatus{}
		}
		cs := d
		c.Connectors[d.ConnectorID] = &cs
		c.seen(e.Time)
	case domain.PairingSet:
		// The pairing model has not applied the event yet: a widget moving
		// off another charger makes that charger known too.
		if old, ok := m.pairs.chargerOf(d.WidgetID); ok && old != d.ChargerID {
			m.get(old)
		}
		c := m.get(d.ChargerID)
		u.WidgetID, u.Status = d.WidgetID, c.Status
		u.SendStatus = c.SessionID != "" && c.Status != domain.StatusNone
		return
	case domain.PairingRemoved:
		if m.pairs.widgetOf(d.ChargerID) == d.WidgetID {
			m.get(d.ChargerID)
		}
		u.WidgetID = d.WidgetID
		return
	case domain.SessionOpened:
		c := m.get(e.ChargerID)
		c.SessionID, c.Status, c.SoC = e.SessionID, domain.StatusNone, nil
	case domain.ChargerRetired:
		// Forgotten: its view goes; a later connection makes a new one.
		delete(m.byID, e.ChargerID)
		u.WidgetID = m.pairs.widgetOf(e.ChargerID)
		return
	case domain.HandedBack:
		c := m.get(e.ChargerID)
		if c.SessionID == e.SessionID {
			c.SessionID, c.Status, c.SoC = "", domain.StatusNone, nil
		}
	}
	if e.ChargerID != "" {
		u.WidgetID, u.Status = m.pairs.widgetOf(e.ChargerID), m.get(e.ChargerID).Status
	}
}

// Snapshot implements ReadModel: the views, each copied with what Apply
// changes in place (the reading, the connector table).
func (m *chargerModel) Snapshot() any {
	return copyEntries(m.byID, func(v *ChargerView) *ChargerView {
		c := *v
		if v.SoC != nil {
			soc := *v.SoC
			c.SoC = &soc
		}
		if v.Connectors != nil {
			c.Connectors = make(map[int]*domain.ConnectorStatus, len(v.Connectors))
			for id, cs := range v.Connectors {
				c.Connectors[id] = cs // replaced by Apply, never changed
			}
		}
		return &c
	})
}

// Restore implements ReadModel.
func (m *chargerModel) Restore(data json.RawMessage) error {
	byID, err := decodeEntries[ChargerView](data)
	if err != nil {
		return err
	}
	m.byID = byID
	return nil
}

// Reset implements ReadModel.
func (m *chargerModel) Reset() { m.byID = map[string]*ChargerView{} }

// Entries implements ReadModel: one entry per charger.
func (m *chargerModel) Entries(put func(string, any)) { putEntries(m.byID, put) }

// Touch records that a charger was heard from at t (an OCPP Heartbeat or
// any other message) without an event: LastSeen moves forward on this
// instance's board. It does nothing for a charger the board does not know.
// Other instances see the charger's next event.
func (b *Board) Touch(chargerID string, t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.chargers.byID[chargerID]; ok {
		c.seen(t.UTC())
	}
}
