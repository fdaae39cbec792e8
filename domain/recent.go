package domain

import (
	"encoding/binary"
	"hash/maphash"
	"slices"

	"github.com/oklog/ulid/v2"
)

// recentSeed keys the hashes of remembered ids that are not ULIDs (none in
// a real stream: every event id is a ULID); they never leave the process.
var recentSeed = maphash.MakeSeed()

// recentSet remembers the last recentIDs derived event ids of one charger,
// each with the OCPP transaction id it carried. It keeps a 64-bit key of
// each id rather than the id, so it holds no pointer for the garbage
// collector to follow: 8,000 chargers would otherwise keep four million
// strings alive. The key is the low 64 bits of the id's ULID: hash bits
// already for a DerivedID, random bits for a fresh ULID. Two ids of one
// charger share a key with a probability of about 512/2⁶⁴ per lookup.
//
// The keys are a ring searched from end to end (512 keys, 4 KiB: a few
// hundred nanoseconds), and only the ids that carried a transaction are in
// a map: a map of every key cost ~20 KiB per charger, 160 MiB at 8,000
// chargers once each had sent 512 readings.
type recentSet struct {
	order []uint64       // ring of the keys in arrival order
	next  int            // the oldest key once order is full
	tx    map[uint64]int // the keys' transaction ids, those not 0
}

// recentKey is the key of an event id: no second hash of a derived id.
func recentKey(id string) uint64 {
	u, err := ulid.ParseStrict(id)
	if err != nil {
		return maphash.String(recentSeed, id)
	}
	return binary.BigEndian.Uint64(u[8:])
}

func (r *recentSet) seen(id string) (int, bool) {
	h := recentKey(id)
	if !slices.Contains(r.order, h) {
		return 0, false
	}
	return r.tx[h], true
}

func (r *recentSet) add(id string, tx int) {
	h := recentKey(id)
	if slices.Contains(r.order, h) {
		return
	}
	if tx != 0 {
		if r.tx == nil {
			r.tx = map[uint64]int{}
		}
		r.tx[h] = tx
	}
	if len(r.order) < recentIDs {
		r.order = append(r.order, h)
		return
	}
	delete(r.tx, r.order[r.next])
	r.order[r.next] = h
	r.next = (r.next + 1) % recentIDs
}
