package projections

import (
	"encoding/json"

	"github.com/chargebooth/chargebooth/domain"
)

// widgetModel is every widget's presence.
type widgetModel struct {
	byID map[string]*WidgetView
}

func newWidgetModel() *widgetModel { return &widgetModel{byID: map[string]*WidgetView{}} }

// Name implements ReadModel.
func (m *widgetModel) Name() string { return "widget" }

// get returns a widget's view, making it on first sight.
func (m *widgetModel) get(id string) *WidgetView {
	w, ok := m.byID[id]
	if !ok {
		w = &WidgetView{WidgetID: id}
		m.byID[id] = w
	}
	return w
}

// Apply implements ReadModel: the newest connection wins, a stale
// disconnect does not mark the widget offline.
func (m *widgetModel) Apply(e domain.Event, _ *Update) {
	switch d := e.Data.(type) {
	case domain.WidgetConnected:
		w := m.get(e.WidgetID)
		w.Online, w.Conn, w.LastSeen = true, d.Conn, e.Time
	case domain.WidgetDisconnected:
		w := m.get(e.WidgetID)
		if w.Conn == d.Conn {
			w.Online, w.Conn = false, ""
		}
		w.LastSeen = e.Time
	}
}

// online reports whether a widget is connected now.
func (m *widgetModel) online(id string) bool {
	w := m.byID[id]
	return w != nil && w.Online
}

// Snapshot implements ReadModel.
func (m *widgetModel) Snapshot() any { return copyEntries(m.byID, shallow[WidgetView]) }

// Restore implements ReadModel.
func (m *widgetModel) Restore(data json.RawMessage) error {
	byID, err := decodeEntries[WidgetView](data)
	if err != nil {
		return err
	}
	m.byID = byID
	return nil
}

// Reset implements ReadModel.
func (m *widgetModel) Reset() { m.byID = map[string]*WidgetView{} }

// Entries implements ReadModel: one entry per widget.
func (m *widgetModel) Entries(put func(string, any)) { putEntries(m.byID, put) }
