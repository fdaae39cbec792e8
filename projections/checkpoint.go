package projections

import (
	"encoding/json"
	"fmt"
	"sort"
)

// SchemaVersion changes whenever State's meaning changes; a checkpoint of
// another version is ignored and the board is rebuilt from the stream.
const SchemaVersion = 1

type checkpoint struct {
	Schema int    `json:"schema"`
	State  *State `json:"state"`
}

// Snapshot encodes the board's state and returns the sequence it covers.
func (b *Board) Snapshot() ([]byte, uint64, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	data, err := json.Marshal(checkpoint{Schema: SchemaVersion, State: b.st})
	if err != nil {
		return nil, 0, fmt.Errorf("encode checkpoint: %w", err)
	}
	return data, b.st.Seq, nil
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
		st.Pairings[k] = v
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
