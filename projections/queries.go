package projections

import (
	"sort"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// ChargerInfo is a charger with what is derived at query time.
type ChargerInfo struct {
	ChargerView
	WidgetOnline  bool                     `json:"widgetOnline"`
	Overdue       bool                     `json:"overdue"`
	Session       *SessionView             `json:"session"`
	ConnectorList []domain.ConnectorStatus `json:"connectorList,omitempty"`
}

// info is a charger as queries return it, sharing nothing with the
// models; its widget comes from the pairing model.
func (b *Board) info(c *ChargerView, now time.Time) ChargerInfo {
	out := ChargerInfo{ChargerView: *c}
	out.Connectors = nil
	if c.SoC != nil {
		soc := *c.SoC
		out.SoC = &soc
	}
	out.WidgetID = b.pairs.widgetOf(c.ChargerID)
	if out.WidgetID != "" {
		out.WidgetOnline = b.widgets.online(out.WidgetID)
	}
	if s := b.sessions.byID[c.SessionID]; s != nil {
		v := b.view(s, now)
		out.Session = &v
		out.Overdue = s.Overdue
	}
	ids := make([]int, 0, len(c.Connectors))
	for id := range c.Connectors {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		out.ConnectorList = append(out.ConnectorList, *c.Connectors[id])
	}
	return out
}

// Chargers lists every known charger (seen or paired), sorted by id.
func (b *Board) Chargers(now time.Time) []ChargerInfo {
	b.mu.RLock()
	defer b.mu.RUnlock()
	ids := make([]string, 0, len(b.chargers.byID)+len(b.pairs.byCharger))
	for id := range b.chargers.byID {
		ids = append(ids, id)
	}
	for id := range b.pairs.byCharger {
		if b.chargers.byID[id] == nil {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	out := make([]ChargerInfo, 0, len(ids))
	for _, id := range ids {
		c := b.chargers.byID[id]
		if c == nil {
			c = &ChargerView{ChargerID: id}
		}
		out = append(out, b.info(c, now))
	}
	return out
}

// Charger returns one charger; a charger that is only paired is known too.
func (b *Board) Charger(id string, now time.Time) (ChargerInfo, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	c := b.chargers.byID[id]
	if c == nil {
		if _, ok := b.pairs.byCharger[id]; !ok {
			return ChargerInfo{}, false
		}
		c = &ChargerView{ChargerID: id}
	}
	return b.info(c, now), true
}

// SessionFilter selects sessions; empty fields match everything.
type SessionFilter struct {
	State     string
	ChargerID string
	// Status "unclaimed" keeps the open sessions marked unclaimed.
	Status string
}

// StatusUnclaimed is the SessionFilter status of open sessions that were
// still at the booth at a closing time.
const StatusUnclaimed = "unclaimed"

// Sessions lists sessions, newest first.
func (b *Board) Sessions(f SessionFilter, now time.Time) []SessionView {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []SessionView
	for _, s := range b.sessions.byID {
		if f.State != "" && s.State != f.State || f.ChargerID != "" && s.ChargerID != f.ChargerID {
			continue
		}
		if f.Status == StatusUnclaimed && (s.State != StateOpen || !s.Unclaimed) {
			continue
		}
		out = append(out, b.view(s, now))
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].OpenedAt.Equal(out[j].OpenedAt) {
			return out[i].OpenedAt.After(out[j].OpenedAt)
		}
		return out[i].ID > out[j].ID
	})
	return out
}

// Session returns one session.
func (b *Board) Session(id string, now time.Time) (SessionView, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	s, ok := b.sessions.byID[id]
	if !ok {
		return SessionView{}, false
	}
	return b.view(s, now), true
}

// Pairings returns the charger ↔ widget table, sorted by charger.
func (b *Board) Pairings() []domain.Pair {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]domain.Pair, 0, len(b.pairs.byCharger))
	for c, w := range b.pairs.byCharger {
		out = append(out, domain.Pair{ChargerID: c, WidgetID: w})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ChargerID < out[j].ChargerID })
	return out
}

// ChargerOf returns the charger a widget is paired with.
func (b *Board) ChargerOf(widgetID string) (string, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.pairs.chargerOf(widgetID)
}

// WidgetOf returns the widget paired with a charger.
func (b *Board) WidgetOf(chargerID string) string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.pairs.widgetOf(chargerID)
}

// AttachWidget runs attach under the board's read lock with the status the
// widget should show now (ok false: no open session or no reading yet).
// Because listeners run under the write lock, a widget registered by
// attach can neither miss an update nor receive an older status after a
// newer one.
func (b *Board) AttachWidget(widgetID string, attach func(status domain.Status, ok bool)) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if cid, ok := b.pairs.chargerOf(widgetID); ok {
		if c := b.chargers.byID[cid]; c != nil && c.SessionID != "" && c.Status != domain.StatusNone {
			attach(c.Status, true)
			return
		}
	}
	attach(domain.StatusNone, false)
}

// Notice returns the notice with id, if the board knows it: one lookup,
// where Notices copies and sorts them all.
func (b *Board) Notice(id string) (domain.Notice, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	n, ok := b.notices.byID[id]
	if !ok {
		return domain.Notice{}, false
	}
	return *n, true
}

// Notices lists scheduled notices by time.
func (b *Board) Notices() []domain.Notice {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]domain.Notice, 0, len(b.notices.byID))
	for _, n := range b.notices.byID {
		out = append(out, *n)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].NoticeID < out[j].NoticeID
	})
	return out
}

// Overdue returns the chargers whose open session was charged at least
// after ago and has not raised its reminder.
func (b *Board) Overdue(now time.Time, after time.Duration) []string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []string
	for _, s := range b.sessions.open {
		if s.State == StateOpen && !s.Overdue && s.ChargedAt != nil && now.Sub(*s.ChargedAt) >= after {
			out = append(out, s.ChargerID)
		}
	}
	sort.Strings(out)
	return out
}

// EventCounts returns how many events of each type were folded.
func (b *Board) EventCounts() map[string]uint64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.events.counts()
}

// WidgetChargerOrEmpty returns the charger a widget is paired with, or "".
func (b *Board) WidgetChargerOrEmpty(widgetID string) string {
	c, _ := b.ChargerOf(widgetID)
	return c
}
