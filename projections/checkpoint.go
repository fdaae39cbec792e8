package projections

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/chargebooth/chargebooth/domain"
)

// SchemaVersion changes whenever the checkpoint's meaning changes; a
// checkpoint of another version is ignored and the board is rebuilt from
// the stream. Version 2 holds one entry per read model, by name, and the
// counts of unreadable events. Version 3 came with the quarantine of
// invalid events (domain.OpaqueInvalid): a checkpoint of an older build
// may have folded one, so it is folded again from the stream.
const SchemaVersion = 3

// checkpoint is the board as stored; M is each model's state: the value
// Snapshot returned to encode, raw JSON to decode.
type checkpoint[M any] struct {
	Schema  int               `json:"schema"`
	Seq     uint64            `json:"seq"`
	Unknown map[string]uint64 `json:"unknown"`
	// Quarantined counts the invalid events skipped, by type.
	Quarantined map[string]uint64 `json:"quarantined,omitempty"`
	Models      map[string]M      `json:"models"`
}

// Snapshot encodes the board's state and returns the sequence it covers
// (WriteSnapshot into memory).
func (b *Board) Snapshot() ([]byte, uint64, error) {
	var buf bytes.Buffer
	seq, err := b.WriteSnapshot(&buf)
	if err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), seq, nil
}

// WriteSnapshot encodes the board's state to w and returns the sequence it
// covers.
//
// Every model's state is copied under the read lock and encoded after it
// is released, so a checkpoint holds up the projection only for the copy.
// The encoding streams to w (domain.WriteJSON: encoding/json's output,
// which Restore reads) instead of growing one buffer for the
// whole board: at 8,000 chargers the board is ~7 MB of JSON, which
// json.Marshal built by doubling a buffer and then copied once more.
func (b *Board) WriteSnapshot(w io.Writer) (uint64, error) {
	b.mu.RLock()
	cp := checkpoint[any]{Schema: SchemaVersion, Seq: b.seq, Unknown: make(map[string]uint64, len(b.unknown)),
		Models: make(map[string]any, len(b.models))}
	for k, v := range b.unknown {
		cp.Unknown[k] = v
	}
	if len(b.quarantined) > 0 {
		cp.Quarantined = make(map[string]uint64, len(b.quarantined))
		for k, v := range b.quarantined {
			cp.Quarantined[k] = v
		}
	}
	for _, m := range b.models {
		cp.Models[m.Name()] = m.Snapshot()
	}
	b.mu.RUnlock()
	if err := domain.WriteJSON(w, cp); err != nil {
		return 0, fmt.Errorf("encode checkpoint: %w", err)
	}
	return cp.Seq, nil
}

// Restore replaces the board's state with a checkpoint. It refuses one of
// another schema version, one that does not decode, and one that lacks a
// model the board has (the board then folds from sequence 1); models in
// the checkpoint that the board does not have are ignored. A checkpoint
// refused after a model was restored leaves the board empty.
func (b *Board) Restore(data []byte) (uint64, error) {
	var cp checkpoint[json.RawMessage]
	if err := json.Unmarshal(data, &cp); err != nil {
		return 0, fmt.Errorf("decode checkpoint: %w", err)
	}
	if cp.Schema != SchemaVersion {
		return 0, fmt.Errorf("checkpoint schema %d, want %d", cp.Schema, SchemaVersion)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.models {
		if _, ok := cp.Models[m.Name()]; !ok {
			return 0, fmt.Errorf("checkpoint has no %s read model", m.Name())
		}
	}
	for _, m := range b.models {
		if err := m.Restore(cp.Models[m.Name()]); err != nil {
			b.reset()
			return 0, fmt.Errorf("restore %s read model: %w", m.Name(), err)
		}
	}
	b.seq, b.unknown, b.quarantined = cp.Seq, cp.Unknown, cp.Quarantined
	if b.unknown == nil {
		b.unknown = map[string]uint64{}
	}
	if b.quarantined == nil {
		b.quarantined = map[string]uint64{}
	}
	return b.seq, nil
}

// Reset empties the board, keeping its models and listeners.
func (b *Board) Reset() {
	b.mu.Lock()
	b.reset()
	b.mu.Unlock()
}

// reset empties the board; the caller holds the write lock.
func (b *Board) reset() {
	b.seq, b.unknown, b.quarantined = 0, map[string]uint64{}, map[string]uint64{}
	for _, m := range b.models {
		m.Reset()
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

// entries flattens the state into comparable JSON strings by key: the
// model's name, a space, the model's key ("session s1").
func (b *Board) entries() map[string]string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := map[string]string{}
	put := func(k string, v any) {
		j, _ := json.Marshal(v)
		out[k] = string(j)
	}
	put("seq", b.seq)
	for k, v := range b.unknown {
		put("unknown "+k, v)
	}
	for k, v := range b.quarantined {
		put("quarantined "+k, v)
	}
	for _, m := range b.models {
		name := m.Name()
		m.Entries(func(k string, v any) { put(name+" "+k, v) })
	}
	return out
}
