package projections

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/chargebooth/chargebooth/domain"
)

// SchemaVersion changes whenever State's meaning changes; a checkpoint of
// another version is ignored and the board is rebuilt from the stream.
const SchemaVersion = 1

type checkpoint struct {
	Schema int    `json:"schema"`
	State  *State `json:"state"`
}

// Snapshot encodes the board's state and returns the sequence it covers.
//
// The state is copied under the read lock and encoded after it is
// released, so a checkpoint holds up the projection only for the copy.
func (b *Board) Snapshot() ([]byte, uint64, error) {
	b.mu.RLock()
	st := b.st.clone()
	b.mu.RUnlock()
	data, err := json.Marshal(checkpoint{Schema: SchemaVersion, State: st})
	if err != nil {
		return nil, 0, fmt.Errorf("encode checkpoint: %w", err)
	}
	return data, st.Seq, nil
}

// clone copies everything Apply changes in place; what Apply only
// replaces (pointers to soc, times, boot metadata) is shared.
func (st *State) clone() *State {
	c := &State{
		Seq:      st.Seq,
		Chargers: make(map[string]*ChargerView, len(st.Chargers)),
		Widgets:  make(map[string]*WidgetView, len(st.Widgets)),
		Sessions: make(map[string]*SessionView, len(st.Sessions)),
		Payments: st.Payments[:len(st.Payments):len(st.Payments)],
		Pairings: make(map[string]string, len(st.Pairings)),
		Notices:  make(map[string]*domain.Notice, len(st.Notices)),
		Events:   make(map[string]uint64, len(st.Events)),
	}
	for k, v := range st.Chargers {
		cv := *v
		if v.Connectors != nil {
			cv.Connectors = make(map[int]*domain.ConnectorStatus, len(v.Connectors))
			for id, cs := range v.Connectors {
				cv.Connectors[id] = cs
			}
		}
		c.Chargers[k] = &cv
	}
	for k, v := range st.Widgets {
		wv := *v
		c.Widgets[k] = &wv
	}
	for k, v := range st.Sessions {
		sv := *v
		if v.Meter != nil {
			sv.Meter = make(map[string]string, len(v.Meter))
			for m, x := range v.Meter {
				sv.Meter[m] = x
			}
		}
		c.Sessions[k] = &sv
	}
	c.byWidget = make(map[string]string, len(st.byWidget))
	for k, v := range st.Pairings {
		c.pair(k, v)
	}
	for k, v := range st.Notices {
		nv := *v
		c.Notices[k] = &nv
	}
	for k, v := range st.Events {
		c.Events[k] = v
	}
	return c
}

// Restore replaces the board's state with a checkpoint. It refuses one of
// another schema version or one that does not decode.
func (b *Board) Restore(data []byte) (uint64, error) {
	var cp checkpoint
	if err := json.Unmarshal(data, &cp); err != nil {
		return 0, fmt.Errorf("decode checkpoint: %w", err)
	}
	if cp.Schema != SchemaVersion {
		return 0, fmt.Errorf("checkpoint schema %d, want %d", cp.Schema, SchemaVersion)
	}
	if cp.State == nil {
		return 0, fmt.Errorf("checkpoint has no state")
	}
	st := newState()
	mergeState(st, cp.State)
	b.mu.Lock()
	b.st = st
	b.mu.Unlock()
	return st.Seq, nil
}

// mergeState fills st from a decoded state, keeping st's non-nil maps.
func mergeState(st, from *State) {
	st.Seq, st.Payments = from.Seq, from.Payments
	for k, v := range from.Chargers {
		st.Chargers[k] = v
	}
	for k, v := range from.Widgets {
		st.Widgets[k] = v
	}
	for k, v := range from.Sessions {
		st.Sessions[k] = v
	}
	for k, v := range from.Pairings {
		st.pair(k, v)
	}
	for k, v := range from.Notices {
		st.Notices[k] = v
	}
	for k, v := range from.Events {
		st.Events[k] = v
	}
}

// Diff compares two boards entry by entry and describes every difference
// (none when they are equal). Both are compared as they would be
// checkpointed.
func Diff(a, b *Board) []string {
	ea, eb := a.entries(), b.entries()
	keys := map[string]bool{}
	for k := range ea {
		keys[k] = true
	}
	for k := range eb {
		keys[k] = true
	}
	var out []string
	for k := range keys {
		va, oka := ea[k]
		vb, okb := eb[k]
		switch {
		case !oka:
			out = append(out, fmt.Sprintf("%s: missing in the first, second has %s", k, vb))
		case !okb:
			out = append(out, fmt.Sprintf("%s: missing in the second, first has %s", k, va))
		case va != vb:
			out = append(out, fmt.Sprintf("%s: %s != %s", k, va, vb))
		}
	}
	sort.Strings(out)
	return out
}

// entries flattens the state into comparable JSON strings by key.
func (b *Board) entries() map[string]string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := map[string]string{}
	put := func(k string, v any) {
		j, _ := json.Marshal(v)
		out[k] = string(j)
	}
	put("seq", b.st.Seq)
	for k, v := range b.st.Chargers {
		put("charger "+k, v)
	}
	for k, v := range b.st.Widgets {
		put("widget "+k, v)
	}
	for k, v := range b.st.Sessions {
		put("session "+k, v)
	}
	for _, p := range b.st.Payments {
		put("payment "+p.EventID, p)
	}
	for k, v := range b.st.Pairings {
		put("pairing "+k, v)
	}
	for k, v := range b.st.Notices {
		put("notice "+k, v)
	}
	for k, v := range b.st.Events {
		put("events "+k, v)
	}
	return out
}

// Reset empties the board, keeping its listeners.
func (b *Board) Reset() {
	b.mu.Lock()
	b.st = newState()
	b.mu.Unlock()
}
