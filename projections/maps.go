package projections

import (
	"encoding/json"
	"fmt"
)

// copyEntries copies a model's map of entries with cp, for a snapshot.
func copyEntries[V any](m map[string]*V, cp func(*V) *V) map[string]*V {
	out := make(map[string]*V, len(m))
	for k, v := range m {
		out[k] = cp(v)
	}
	return out
}

// shallow copies an entry that Apply changes only field by field.
func shallow[V any](v *V) *V {
	c := *v
	return &c
}

// decodeEntries decodes a snapshot of a map of entries, refusing a null
// entry (the queries would trip on it).
func decodeEntries[V any](data json.RawMessage) (map[string]*V, error) {
	var m map[string]*V
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]*V{}
	}
	for k, v := range m {
		if v == nil {
			return nil, fmt.Errorf("entry %q is null", k)
		}
	}
	return m, nil
}

// putEntries hands every entry of m to put, for Diff.
func putEntries[V any](m map[string]V, put func(string, any)) {
	for k, v := range m {
		put(k, v)
	}
}
