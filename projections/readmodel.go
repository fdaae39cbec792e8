package projections

import (
	"encoding/json"

	"github.com/chargebooth/chargebooth/domain"
)

// ReadModel is one small read model folded from the stream. A Board holds
// several and calls them under its lock: Apply under the write lock, one
// event at a time in stream order and in the order the models were
// registered; Snapshot and Entries under the read lock; Restore and Reset
// under the write lock. A model that reads another one (the session model
// asks the pairing model which widget a charger has) holds a reference to
// it, wired where the board registers its models (NewBoard).
type ReadModel interface {
	// Name is the model's stable key in the checkpoint and the first word
	// of its keys in Diff. Names are unique on a board.
	Name() string
	// Apply folds one event and may fill u, what the listeners hear; it
	// sees what the models registered before it filled in. An event type it
	// has no case for it ignores. Events whose payload is domain.Opaque
	// never reach it: the board counts and skips them.
	Apply(e domain.Event, u *Update)
	// Snapshot returns the model's state for the checkpoint, as a value that
	// encoding/json encodes after the board's lock is released: it must
	// share nothing that Apply changes in place.
	Snapshot() any
	// Restore replaces the model's state with one that Snapshot returned,
	// encoded. On error the board resets every model.
	Restore(data json.RawMessage) error
	// Reset empties the model.
	Reset()
	// Entries calls put for every entry of the state, with a key unique in
	// the model, so that Diff can compare two boards entry by entry.
	Entries(put func(key string, v any))
}
