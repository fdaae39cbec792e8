package projections

import (
	"sort"

	"github.com/chargebooth/chargebooth/domain"
)

// Socket is a device connection the board shows open.
type Socket struct {
	// Kind is domain.KindCharger or domain.KindWidget.
	Kind string
	// ID is the charger's or the widget's id.
	ID string
	// ChargerID is the charger a widget is paired with ("" when none);
	// for a charger it is ID.
	ChargerID string
	// Conn is the connection id, "<n>@<instance>".
	Conn string
}

// Online lists the sockets the board shows open: chargers, then widgets,
// each sorted by id.
func (b *Board) Online() []Socket { return b.OnlineWhere(nil) }

// OnlineWhere is Online for the sockets whose connection id keep accepts
// (nil keeps all). keep runs under the board's read lock and must not
// call the board; the list is sorted after the lock is released, so that
// a few matches out of thousands of sockets hold folding up for a map
// walk only.
func (b *Board) OnlineWhere(keep func(conn string) bool) []Socket {
	var out []Socket
	b.mu.RLock()
	for id, c := range b.chargers.byID {
		if c.Online && (keep == nil || keep(c.Conn)) {
			out = append(out, Socket{Kind: domain.KindCharger, ID: id, ChargerID: id, Conn: c.Conn})
		}
	}
	for id, w := range b.widgets.byID {
		if w.Online && (keep == nil || keep(w.Conn)) {
			out = append(out, Socket{Kind: domain.KindWidget, ID: id, ChargerID: b.pairs.byWidget[id], Conn: w.Conn})
		}
	}
	b.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind == domain.KindCharger
		}
		return out[i].ID < out[j].ID
	})
	return out
}
