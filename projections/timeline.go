package projections

import (
	"encoding/json"
	"strings"

	"github.com/chargebooth/chargebooth/domain"
)

// TimelineLength is how many events each charger's timeline keeps.
const TimelineLength = 100

// timelineModel keeps each charger's latest OCPP events (every type
// "ocpp.…": the calls the server sent, their answers, the boot
// configuration's results), oldest first, at most TimelineLength each:
// what GET /api/chargers/{id}/timeline shows. Readings and sessions have
// timelines of their own.
type timelineModel struct {
	byID map[string][]domain.Event
}

func newTimelineModel() *timelineModel { return &timelineModel{byID: map[string][]domain.Event{}} }

// Name implements ReadModel.
func (m *timelineModel) Name() string { return "timeline" }

// Apply implements ReadModel.
func (m *timelineModel) Apply(e domain.Event, _ *Update) {
	switch {
	case e.Type == domain.TypeChargerRetired:
		delete(m.byID, e.ChargerID)
	case strings.HasPrefix(e.Type, "ocpp.") && e.ChargerID != "":
		tl := append(m.byID[e.ChargerID], e)
		if len(tl) > TimelineLength {
			// Copy rather than reslice, so the dropped events are freed
			// and a snapshot's slice is never written under it.
			tl = append([]domain.Event(nil), tl[len(tl)-TimelineLength:]...)
		}
		m.byID[e.ChargerID] = tl
	}
}

// Snapshot implements ReadModel: each timeline copied (Apply appends in
// place).
func (m *timelineModel) Snapshot() any {
	out := make(map[string][]domain.Event, len(m.byID))
	for k, v := range m.byID {
		out[k] = append([]domain.Event(nil), v...)
	}
	return out
}

// Restore implements ReadModel.
func (m *timelineModel) Restore(data json.RawMessage) error {
	var byID map[string][]domain.Event
	if err := json.Unmarshal(data, &byID); err != nil {
		return err
	}
	if byID == nil {
		byID = map[string][]domain.Event{}
	}
	m.byID = byID
	return nil
}

// Reset implements ReadModel.
func (m *timelineModel) Reset() { m.byID = map[string][]domain.Event{} }

// Entries implements ReadModel: one entry per charger.
func (m *timelineModel) Entries(put func(string, any)) { putEntries(m.byID, put) }

// Timeline returns a charger's latest OCPP events, oldest first (at most
// TimelineLength; none for a charger without any).
func (b *Board) Timeline(chargerID string) []domain.Event {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return append([]domain.Event{}, b.timeline.byID[chargerID]...)
}
