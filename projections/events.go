package projections

import (
	"encoding/json"

	"github.com/chargebooth/chargebooth/domain"
)

// eventCounter counts the folded events by type (those the board skipped
// as unreadable are counted apart, in Board.Unknown).
type eventCounter struct {
	byType map[string]uint64
}

func newEventCounter() *eventCounter { return &eventCounter{byType: map[string]uint64{}} }

// Name implements ReadModel.
func (m *eventCounter) Name() string { return "events" }

// Apply implements ReadModel.
func (m *eventCounter) Apply(e domain.Event, _ *Update) { m.byType[e.Type]++ }

// Snapshot implements ReadModel.
func (m *eventCounter) Snapshot() any { return m.counts() }

// counts returns a copy of the counts.
func (m *eventCounter) counts() map[string]uint64 {
	out := make(map[string]uint64, len(m.byType))
	for k, v := range m.byType {
		out[k] = v
	}
	return out
}

// Restore implements ReadModel.
func (m *eventCounter) Restore(data json.RawMessage) error {
	var byType map[string]uint64
	if err := json.Unmarshal(data, &byType); err != nil {
		return err
	}
	if byType == nil {
		byType = map[string]uint64{}
	}
	m.byType = byType
	return nil
}

// Reset implements ReadModel.
func (m *eventCounter) Reset() { m.byType = map[string]uint64{} }

// Entries implements ReadModel: one entry per type.
func (m *eventCounter) Entries(put func(string, any)) { putEntries(m.byType, put) }
