package projections

import (
	"encoding/json"

	"github.com/chargebooth/chargebooth/domain"
)

// noticeModel is the scheduled staff notices and whether each has fired.
type noticeModel struct {
	byID map[string]*domain.Notice
}

func newNoticeModel() *noticeModel { return &noticeModel{byID: map[string]*domain.Notice{}} }

// Name implements ReadModel.
func (m *noticeModel) Name() string { return "notice" }

// Apply implements ReadModel.
func (m *noticeModel) Apply(e domain.Event, _ *Update) {
	switch d := e.Data.(type) {
	case domain.NoticeScheduled:
		m.byID[d.NoticeID] = &domain.Notice{NoticeScheduled: d}
	case domain.NoticeFired:
		if n := m.byID[d.NoticeID]; n != nil {
			n.Fired = true
		}
	}
}

// Snapshot implements ReadModel.
func (m *noticeModel) Snapshot() any { return copyEntries(m.byID, shallow[domain.Notice]) }

// Restore implements ReadModel.
func (m *noticeModel) Restore(data json.RawMessage) error {
	byID, err := decodeEntries[domain.Notice](data)
	if err != nil {
		return err
	}
	m.byID = byID
	return nil
}

// Reset implements ReadModel.
func (m *noticeModel) Reset() { m.byID = map[string]*domain.Notice{} }

// Entries implements ReadModel: one entry per notice.
func (m *noticeModel) Entries(put func(string, any)) { putEntries(m.byID, put) }
