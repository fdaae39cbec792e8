package estest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/chargebooth/chargebooth/domain"
)

// RunAcceptance is the suite every domain.EventStore must pass; call it
// from a test of the implementation. open returns a fresh, empty store for
// each subtest (they run in parallel). The Follow cases run when the store
// is also a domain.Feed.
func RunAcceptance(t *testing.T, open func(t *testing.T) domain.EventStore) {
	cases := []struct {
		name string
		run  func(t *testing.T, st domain.EventStore)
	}{
		{"round trip of every event type", testRoundTrip},
		{"expected 0 on an empty aggregate", testExpectedZero},
		{"stale expected version conflicts", testStaleConflicts},
		{"a batch expects its own predecessors", testBatch},
		{"a stale version conflicts and stores nothing", testConflictStoresNothing},
		{"same event id is stored once", testDuplicate},
		{"duplicate id with a stale expected version", testDuplicateStale},
		{"a re-sent batch is reported duplicate", testDuplicateBatch},
		{"an unknown event type is kept opaque", testOpaque},
		{"load after a sequence", testLoadAfter},
		{"last sequence", testLastSequence},
		{"concurrent appends to 50 aggregates", testConcurrent},
		{"follow delivers in order from a start", testFollowFrom},
		{"follow resumes after a restart of the call", testFollowResume},
		{"follow of a new durable after events", testFollowNewDurable},
		{"follow delivers an unknown event type and goes on", testFollowOpaque},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, open(t))
		})
	}
}

func testRoundTrip(t *testing.T, st domain.EventStore) {
	byKey := map[domain.StreamKey][]domain.Event{}
	var keys []domain.StreamKey
	for _, typ := range domain.EventTypes() {
		e := sample(t, typ, "c-rt.1", "w-rt_1")
		res := AppendOK(t, st, e.Key(), domain.AnyVersion, e)
		e.Seq = res[0].Seq
		if _, ok := byKey[e.Key()]; !ok {
			keys = append(keys, e.Key())
		}
		byKey[e.Key()] = append(byKey[e.Key()], e)
	}
	for _, key := range keys {
		SameEvents(t, LoadOK(t, st, key, 0), byKey[key])
	}
}

func testExpectedZero(t *testing.T, st domain.EventStore) {
	key := domain.ChargerKey(NewCharger("zero"))
	res := AppendOK(t, st, key, 0, Reading(key.ID, 10))
	if res[0].Seq == 0 || res[0].Duplicate {
		t.Fatalf("first append: got %+v, want a fresh sequence", res[0])
	}
	_, err := st.Append(Context(t), key, 0, []domain.Event{Reading(key.ID, 20)})
	if got, want := err, domain.ErrConflict; !errors.Is(got, want) {
		t.Fatalf("second append expecting 0: got %v, want %v", got, want)
	}
}

func testStaleConflicts(t *testing.T, st domain.EventStore) {
	key := domain.ChargerKey(NewCharger("stale"))
	first := AppendOK(t, st, key, 0, Reading(key.ID, 10))[0].Seq
	AppendOK(t, st, key, first, Reading(key.ID, 20))
	// Another aggregate moving on does not matter.
	other := domain.ChargerKey(NewCharger("other"))
	AppendOK(t, st, other, 0, Reading(other.ID, 10))
	_, err := st.Append(Context(t), key, first, []domain.Event{Reading(key.ID, 30)})
	if got, want := err, domain.ErrConflict; !errors.Is(got, want) {
		t.Fatalf("append expecting %d: got %v, want %v", first, got, want)
	}
	if got, want := len(LoadOK(t, st, key, 0)), 2; got != want {
		t.Fatalf("stored %d events, want %d", got, want)
	}
}

func testBatch(t *testing.T, st domain.EventStore) {
	key := domain.ChargerKey(NewCharger("batch"))
	evs := Readings(key.ID, 3)
	res := AppendOK(t, st, key, 0, evs...)
	for i := 1; i < len(res); i++ {
		if res[i].Seq <= res[i-1].Seq {
			t.Fatalf("sequences not increasing: %+v", res)
		}
	}
	SameEvents(t, LoadOK(t, st, key, 0), WithSeqs(evs, res))
	// A stale batch stores nothing.
	_, err := st.Append(Context(t), key, res[0].Seq, Readings(key.ID, 2))
	if got, want := err, domain.ErrConflict; !errors.Is(got, want) {
		t.Fatalf("stale batch: got %v, want %v", got, want)
	}
	if got, want := len(LoadOK(t, st, key, 0)), 3; got != want {
		t.Fatalf("stored %d events, want %d", got, want)
	}
}

// testDuplicate re-sends a stored event as it was first sent: without a
// version check (the store knows its id), and with the version it
// expected then (the store finds it past that version).
func testDuplicate(t *testing.T, st domain.EventStore) {
	for _, tt := range resends {
		t.Run(tt.name, func(t *testing.T) {
			key := domain.ChargerKey(NewCharger("dup"))
			e := Reading(key.ID, 50)
			first := AppendOK(t, st, key, tt.expected, e)[0]
			again := AppendOK(t, st, key, tt.expected, e)[0]
			if got, want := again, (domain.Appended{Seq: first.Seq, Duplicate: true}); got != want {
				t.Fatalf("re-append: got %+v, want %+v", got, want)
			}
			if got, want := len(LoadOK(t, st, key, 0)), 1; got != want {
				t.Fatalf("stored %d events, want %d", got, want)
			}
		})
	}
}

// testDuplicateStale re-sends an event that was stored, after the
// aggregate moved on: the re-send must be reported as the duplicate it
// is, not as a conflict (which would make the caller decide again).
func testDuplicateStale(t *testing.T, st domain.EventStore) {
	key := domain.ChargerKey(NewCharger("dupstale"))
	e1, e2 := Reading(key.ID, 10), Reading(key.ID, 20)
	r1 := AppendOK(t, st, key, 0, e1)[0]
	AppendOK(t, st, key, r1.Seq, e2)
	again := AppendOK(t, st, key, 0, e1)[0]
	if got, want := again, (domain.Appended{Seq: r1.Seq, Duplicate: true}); got != want {
		t.Fatalf("re-append with stale version: got %+v, want %+v", got, want)
	}
	if got, want := len(LoadOK(t, st, key, 0)), 2; got != want {
		t.Fatalf("stored %d events, want %d", got, want)
	}
}

func testLoadAfter(t *testing.T, st domain.EventStore) {
	key := domain.ChargerKey(NewCharger("after"))
	other := domain.ChargerKey(NewCharger("noise"))
	var all []domain.Event
	var last uint64
	for i := range 12 {
		e := Reading(key.ID, float64(i))
		r := AppendOK(t, st, key, last, e)[0]
		e.Seq, last = r.Seq, r.Seq
		all = append(all, e)
		AppendOK(t, st, other, domain.AnyVersion, Reading(other.ID, float64(i)))
	}
	for _, from := range []int{-1, 0, 2, 7, 9, 10, 11} {
		after := uint64(0)
		if from >= 0 {
			after = all[from].Seq
		}
		t.Run(fmt.Sprintf("after event %d", from), func(t *testing.T) {
			got := LoadOK(t, st, key, after)
			if from == len(all)-1 && got != nil {
				t.Fatalf("load after the last event: got %d events, want nil", len(got))
			}
			SameEvents(t, got, all[from+1:])
		})
	}
	t.Run("between sequences", func(t *testing.T) {
		SameEvents(t, LoadOK(t, st, key, all[4].Seq+1), all[5:])
	})
	t.Run("unknown aggregate", func(t *testing.T) {
		if got := LoadOK(t, st, domain.ChargerKey(NewCharger("none")), 0); got != nil {
			t.Fatalf("got %d events, want nil", len(got))
		}
	})
}

func testLastSequence(t *testing.T, st domain.EventStore) {
	ctx := Context(t)
	got, err := st.LastSequence(ctx)
	if err != nil || got != 0 {
		t.Fatalf("empty store: got %d, %v; want 0, nil", got, err)
	}
	key := domain.ChargerKey(NewCharger("last"))
	res := AppendOK(t, st, key, domain.AnyVersion, Readings(key.ID, 5)...)
	got, err = st.LastSequence(ctx)
	if want := res[4].Seq; err != nil || got != want {
		t.Fatalf("got %d, %v; want %d, nil", got, err, want)
	}
}

func testConcurrent(t *testing.T, st domain.EventStore) {
	const aggregates, each = 50, 20
	keys := make([]domain.StreamKey, aggregates)
	sent := make([][]domain.Event, aggregates)
	errs := make(chan error, aggregates)
	var wg sync.WaitGroup
	for i := range keys {
		keys[i] = domain.ChargerKey(NewCharger("conc"))
		wg.Go(func() {
			var version uint64
			for j := range each {
				e := Reading(keys[i].ID, float64(j))
				res, err := st.Append(Context(t), keys[i], version, []domain.Event{e})
				if err != nil {
					errs <- fmt.Errorf("aggregate %d event %d: %w", i, j, err)
					return
				}
				e.Seq, version = res[0].Seq, res[0].Seq
				sent[i] = append(sent[i], e)
				if j%5 == 4 { // reads race with the other writers
					if evs, err := st.Load(Context(t), keys[i], version); err != nil || evs != nil {
						errs <- fmt.Errorf("aggregate %d: load after own version: %d events, %v", i, len(evs), err)
						return
					}
					if last, err := st.LastSequence(Context(t)); err != nil || last < version {
						errs <- fmt.Errorf("aggregate %d: last sequence %d below %d, %v", i, last, version, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i, key := range keys {
		SameEvents(t, LoadOK(t, st, key, 0), sent[i])
	}
	last, err := st.LastSequence(Context(t))
	if got, want := last, uint64(aggregates*each); err != nil || got != want {
		t.Fatalf("last sequence: got %d, %v; want %d", got, err, want)
	}
}

func testFollowFrom(t *testing.T, st domain.EventStore) {
	evs := AppendMixed(t, st, 30)
	f := Follow(t, st, "from", evs[9].Seq)
	SameEvents(t, f.WaitFor(t, 20), evs[10:])
	more := AppendMixed(t, st, 15)
	SameEvents(t, f.WaitFor(t, 35), append(evs[10:], more...))
}

func testFollowResume(t *testing.T, st domain.EventStore) {
	evs := AppendMixed(t, st, 20)
	f := Follow(t, st, "resume", 0)
	got := f.WaitFor(t, 20)
	f.Halt(t)
	SameEvents(t, got, evs)

	more := AppendMixed(t, st, 10)
	g := Follow(t, st, "resume", evs[19].Seq)
	SameEvents(t, g.WaitFor(t, 10), more)
	g.Halt(t)

	// Resuming from an earlier position than the durable's replays.
	h := Follow(t, st, "resume", evs[14].Seq)
	SameEvents(t, h.WaitFor(t, 15), append(evs[15:], more...))
}

func testFollowNewDurable(t *testing.T, st domain.EventStore) {
	evs := AppendMixed(t, st, 25)
	a := Follow(t, st, "first", 0)
	a.WaitFor(t, 25)
	b := Follow(t, st, "second", evs[24].Seq)
	more := AppendMixed(t, st, 5)
	SameEvents(t, b.WaitFor(t, 5), more)
	SameEvents(t, a.WaitFor(t, 30), append(evs, more...))
}
