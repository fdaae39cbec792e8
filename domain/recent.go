package domain

import "hash/maphash"

// recentSeed keys the hashes of remembered ids; they never leave the process.
var recentSeed = maphash.MakeSeed()

// recentSet remembers the last recentIDs derived event ids of one charger,
// each with the OCPP transaction id it carried. It keeps a 64-bit hash of
// each id rather than the id, so it holds no pointer for the garbage
// collector to follow: 8,000 chargers would otherwise keep four million
// strings alive. Two ids of one charger share a hash with a probability of
// about 512/2⁶⁴ per lookup.
type recentSet struct {
	tx    map[uint64]int
	order []uint64 // ring of the hashes in arrival order
	next  int      // the oldest hash once order is full
}

func (r *recentSet) seen(id string) (int, bool) {
	tx, ok := r.tx[maphash.String(recentSeed, id)]
	return tx, ok
}

func (r *recentSet) add(id string, tx int) {
	h := maphash.String(recentSeed, id)
	if _, ok := r.tx[h]; ok {
		return
	}
	if r.tx == nil {
		r.tx = map[uint64]int{}
	}
	r.tx[h] = tx
	if len(r.order) < recentIDs {
		r.order = append(r.order, h)
		return
	}
	delete(r.tx, r.order[r.next])
	r.order[r.next] = h
	r.next = (r.next + 1) % recentIDs
}
