package domain_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// fakeStore is an in-memory EventStore for the unit tests of the service's
// retry loop only; the JetStream store has its own acceptance suite. It
// keeps the port's semantics: versions are stream sequences, the first
// event of an append conflicts unless its aggregate's last sequence is the
// expected one (AnyVersion skips the check), each further event expects its
// predecessor, and an id already stored is reported Duplicate with its
// original sequence (checked before the version, as JetStream does).
type fakeStore struct {
	mu     sync.Mutex
	events []domain.Event
	byID   map[string]uint64
	last   map[domain.StreamKey]uint64

	appends, conflicts, loads int
	loadsOf                   map[domain.StreamKey]int

	// loadErr, when it holds a key, is what every Load of that key returns.
	loadErr map[domain.StreamKey]error

	// failStored, when set, is returned by the next Append after it stored
	// the events (a timeout whose write went through).
	failStored error
	// failLost, when set, is returned by the next Append without storing.
	failLost error
	// intrude, when set, makes "another instance" store its event just
	// before every Append is checked.
	intrude func() domain.Event

	// gate holds the first gateN Appends until all of them have arrived,
	// so that racing deciders really decide on the same version.
	gate  sync.WaitGroup
	gateN int
}

// holdFirst makes the first n Appends wait for each other.
func (f *fakeStore) holdFirst(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gate.Add(n)
	f.gateN = n
}

func newFakeStore() *fakeStore {
	return &fakeStore{byID: map[string]uint64{}, last: map[domain.StreamKey]uint64{}, loadsOf: map[domain.StreamKey]int{}, loadErr: map[domain.StreamKey]error{}}
}

var _ domain.EventStore = (*fakeStore)(nil)

func (f *fakeStore) Append(ctx context.Context, key domain.StreamKey, expected uint64, events []domain.Event) ([]domain.Appended, error) {
	f.mu.Lock()
	held := f.gateN > 0
	if held {
		f.gateN--
	}
	f.mu.Unlock()
	if held {
		f.gate.Done()
		f.gate.Wait()
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	f.appends++
	if err := f.failLost; err != nil {
		f.failLost = nil
		return nil, err
	}
	if f.intrude != nil {
		e := f.intrude()
		f.storeLocked(e.Key(), e)
	}
	res := make([]domain.Appended, len(events))
	for i, e := range events {
		if e.Key() != key {
			return res[:i], fmt.Errorf("append: event %s belongs to %+v, not %+v", e.Type, e.Key(), key)
		}
		if seq, dup := f.byID[e.ID]; dup {
			res[i] = domain.Appended{Seq: seq, Duplicate: true}
			continue
		}
		if expected != domain.AnyVersion {
			want := expected
			if i > 0 {
				want = res[i-1].Seq
			}
			if f.last[key] != want {
				f.conflicts++
				return res[:i], fmt.Errorf("append %s: %w", e.Type, domain.ErrConflict)
			}
		}
		res[i] = domain.Appended{Seq: f.storeLocked(key, e)}
	}
	if err := f.failStored; err != nil {
		f.failStored = nil
		return nil, err
	}
	return res, nil
}

func (f *fakeStore) storeLocked(key domain.StreamKey, e domain.Event) uint64 {
	e.Seq = uint64(len(f.events) + 1)
	f.events = append(f.events, e)
	f.byID[e.ID] = e.Seq
	f.last[key] = e.Seq
	return e.Seq
}

func (f *fakeStore) Load(ctx context.Context, key domain.StreamKey, after uint64) ([]domain.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loads++
	f.loadsOf[key]++
	if err := f.loadErr[key]; err != nil {
		return nil, err
	}
	var out []domain.Event
	for _, e := range f.events {
		if e.Seq > after && e.Key() == key {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fakeStore) LastSequence(ctx context.Context) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return uint64(len(f.events)), nil
}

// stored returns the stored events of type typ.
func (f *fakeStore) stored(typ string) []domain.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []domain.Event
	for _, e := range f.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// loadsOfKey returns how many times key was loaded.
func (f *fakeStore) loadsOfKey(key domain.StreamKey) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.loadsOf[key]
}

func (f *fakeStore) counters() (appends, conflicts, loads int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.appends, f.conflicts, f.loads
}

// newServices returns n services over one store, sharing one id source (as
// distinct instances would make distinct ULIDs).
func newServices(store domain.EventStore, n int, shared bool) []*domain.Service {
	ids := seqIDs()
	out := make([]*domain.Service, n)
	for i := range out {
		out[i] = domain.NewService(store, fixedClock(t0), ids, domain.DefaultTariff)
		out[i].SetShared(shared)
	}
	return out
}

func TestServiceRaceOpensOneSession(t *testing.T) {
	const perInstance = 20
	store := newFakeStore()
	svcs := newServices(store, 2, true)
	ctx := context.Background()
	// Each instance's first append waits for the other's: both decide
	// "open a session" on the empty charger, one of them must lose.
	store.holdFirst(len(svcs))

	var (
		wg       sync.WaitGroup
		start    = make(chan struct{})
		mu       sync.Mutex
		ok       int
		failures []error
	)
	for _, s := range svcs {
		for i := 0; i < perInstance; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := s.ReportSoC(ctx, "c1", domain.Reading{SoC: float64(i)})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failures = append(failures, err)
					return
				}
				ok++
			}()
		}
	}
	close(start)
	wg.Wait()

	for _, err := range failures {
		// Losing every retry is allowed (and reported), nothing else.
		if !errors.Is(err, domain.ErrConflict) {
			t.Errorf("ReportSoC: %v", err)
		}
	}
	if ok == 0 {
		t.Fatal("no reading was stored")
	}
	opened := store.stored(domain.TypeSessionOpened)
	if got, want := len(opened), 1; got != want {
		t.Fatalf("session.opened in the store: got %d, want %d", got, want)
	}
	readings := store.stored(domain.TypeSoCReported)
	if got, want := len(readings), ok; got != want {
		t.Errorf("soc_reported in the store: got %d, want %d (the accepted readings)", got, want)
	}
	for _, r := range readings {
		if got, want := r.SessionID, opened[0].SessionID; got != want {
			t.Errorf("reading %s on session %q, want %q", r.ID, got, want)
		}
	}
	_, conflicts, _ := store.counters()
	if conflicts == 0 {
		t.Errorf("no conflict: the race was not raced")
	}
	t.Logf("%d stored, %d refused, %d conflicts retried", ok, len(failures), conflicts)
}

func TestServiceConflictRereadsAndRetries(t *testing.T) {
	store := newFakeStore()
	svcs := newServices(store, 2, false)
	a, b := svcs[0], svcs[1]
	ctx := context.Background()

	// A caches charger c1 with no session.
	if _, err := a.OnCharger(ctx, "c1", func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return c.Connect(x, "a", "k1", "json", ""), nil
	}); err != nil {
		t.Fatal(err)
	}
	// B opens the session behind A's back.
	evs, err := b.ReportSoC(ctx, "c1", domain.Reading{SoC: 50})
	if err != nil {
		t.Fatal(err)
	}
	sessionID := evs[0].SessionID

	// A decides on its stale cache, conflicts, re-reads and decides again.
	evs, err = a.ReportSoC(ctx, "c1", domain.Reading{SoC: 60})
	if err != nil {
		t.Fatalf("ReportSoC after a conflict: %v", err)
	}
	checkPayloads(t, evs, []domain.Payload{domain.SoCReported{SoC: 60, Status: domain.StatusCharging}})
	if got, want := evs[0].SessionID, sessionID; got != want {
		t.Errorf("session: got %q, want B's %q", got, want)
	}
	if got, want := evs[0].Seq, uint64(4); got != want {
		t.Errorf("seq: got %d, want %d", got, want)
	}
	if _, conflicts, _ := store.counters(); conflicts != 1 {
		t.Errorf("conflicts: got %d, want 1", conflicts)
	}
	if got, want := len(store.stored(domain.TypeSessionOpened)), 1; got != want {
		t.Errorf("session.opened: got %d, want %d", got, want)
	}
}

func TestServiceConflictRetriesAreBounded(t *testing.T) {
	store := newFakeStore()
	s := newServices(store, 1, false)[0]
	ctx := context.Background()
	if _, err := s.ReportSoC(ctx, "c1", domain.Reading{SoC: 10}); err != nil {
		t.Fatal(err)
	}
	n := 0
	other := seqIDs()
	store.mu.Lock()
	store.intrude = func() domain.Event {
		n++
		return domain.NewEvent("X"+other()[1:], t0, "c1", "", domain.ConnectorStatus{ConnectorID: n, Status: "Charging"})
	}
	store.mu.Unlock()

	_, err := s.ReportSoC(ctx, "c1", domain.Reading{SoC: 20})
	if !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("under endless contention: got %v, want ErrConflict", err)
	}
	checkCode(t, err, domain.CodeConflict)
	appends, conflicts, _ := store.counters()
	if conflicts < 2 || conflicts > 20 {
		t.Errorf("conflicts: got %d, want a few retries and then give up", conflicts)
	}
	t.Logf("%d appends, %d conflicts", appends, conflicts)

	store.mu.Lock()
	store.intrude = nil
	store.mu.Unlock()
	evs, err := s.ReportSoC(ctx, "c1", domain.Reading{SoC: 30})
	if err != nil {
		t.Fatalf("after contention: %v", err)
	}
	checkPayloads(t, evs, []domain.Payload{domain.SoCReported{SoC: 30, Status: domain.StatusCharging}})
}

var errTimeout = errors.New("nats: timeout")

func TestServiceAppendErrorMarksStale(t *testing.T) {
	tests := []struct {
		name   string
		stored bool // the failed append went through
		then   []domain.Payload
	}{
		{
			name:   "write went through",
			stored: true,
			then:   []domain.Payload{domain.SoCReported{SoC: 60, Status: domain.StatusCharging}},
		},
		{
			name:   "write lost",
			stored: false,
			then: []domain.Payload{
				domain.SessionOpened{By: domain.OpenedByReading},
				domain.SoCReported{SoC: 60, Status: domain.StatusCharging},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newFakeStore()
			s := newServices(store, 1, false)[0]
			ctx := context.Background()
			// Cache c1 first, so that only staleness can cause a read.
			if _, err := s.OnCharger(ctx, "c1", func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
				return c.Connect(x, "a", "k1", "json", ""), nil
			}); err != nil {
				t.Fatal(err)
			}
			store.mu.Lock()
			if tt.stored {
				store.failStored = errTimeout
			} else {
				store.failLost = errTimeout
			}
			store.mu.Unlock()

			_, err := s.ReportSoC(ctx, "c1", domain.Reading{SoC: 50})
			if !errors.Is(err, errTimeout) {
				t.Fatalf("ReportSoC: got %v, want the store's error", err)
			}
			checkCode(t, err, domain.CodeInternal)
			_, _, loads := store.counters()

			evs, err := s.ReportSoC(ctx, "c1", domain.Reading{SoC: 60})
			if err != nil {
				t.Fatal(err)
			}
			checkPayloads(t, evs, tt.then)
			_, conflicts, loads2 := store.counters()
			if got, want := loads2, loads+1; got != want {
				t.Errorf("loads: got %d, want %d (one re-read before deciding)", got, want)
			}
			if conflicts != 0 {
				t.Errorf("conflicts: got %d, want 0 (decided on a fresh read)", conflicts)
			}
			if got, want := len(store.stored(domain.TypeSessionOpened)), 1; got != want {
				t.Errorf("session.opened: got %d, want %d", got, want)
			}
		})
	}
}

func TestServiceSharedRechecksRefusals(t *testing.T) {
	tests := []struct {
		shared   bool
		wantCode string
	}{
		{shared: true, wantCode: ""},
		{shared: false, wantCode: domain.CodeSessionOpen}, // believes its cache
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("shared=%v", tt.shared), func(t *testing.T) {
			store := newFakeStore()
			svcs := newServices(store, 2, tt.shared)
			a, b := svcs[0], svcs[1]
			ctx := context.Background()
			checkIn := func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) { return c.CheckIn(x, "w1") }

			evs, err := a.OnCharger(ctx, "c1", checkIn)
			if err != nil {
				t.Fatal(err)
			}
			sessionID := evs[0].SessionID
			if _, err := b.OnCharger(ctx, "c1", func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
				return c.HandBack(x, b.Tariff(), sessionID, "test phone")
			}); err != nil {
				t.Fatal(err)
			}

			evs, err = a.OnCharger(ctx, "c1", checkIn)
			checkCode(t, err, tt.wantCode)
			if err == nil {
				checkPayloads(t, evs, []domain.Payload{domain.SessionOpened{By: domain.OpenedByStaff, WidgetID: "w1"}})
				if evs[0].SessionID == sessionID {
					t.Errorf("new session reuses the closed id %q", sessionID)
				}
			}
		})
	}
}

func TestServiceDuplicateStoredOnce(t *testing.T) {
	store := newFakeStore()
	svcs := newServices(store, 2, true)
	a, b := svcs[0], svcs[1]
	ctx := context.Background()
	// Both instances cache c1 with its open session.
	for _, s := range svcs {
		if _, err := s.ReportSoC(ctx, "c1", domain.Reading{SoC: 10}); err != nil {
			t.Fatal(err)
		}
	}
	r := domain.Reading{SoC: 20, ReadingID: "r-1"}
	if _, err := a.ReportSoC(ctx, "c1", r); err != nil {
		t.Fatal(err)
	}
	// B, behind by one event, decides the same reading again.
	if _, err := b.ReportSoC(ctx, "c1", r); err != nil {
		t.Fatalf("re-sent reading on the other instance: %v", err)
	}
	id := domain.ReadingEventID("c1", "r-1", 20)
	n := 0
	for _, e := range store.stored(domain.TypeSoCReported) {
		if e.ID == id {
			n++
		}
	}
	if got, want := n, 1; got != want {
		t.Fatalf("reading r-1 stored %d times, want %d", got, want)
	}
	// Both now know it.
	for i, s := range svcs {
		evs, err := s.ReportSoC(ctx, "c1", r)
		checkCode(t, err, "")
		if len(evs) != 0 {
			t.Errorf("instance %d: third r-1 got %s, want nothing", i, fmtPayloads(payloads(evs)))
		}
	}
	if got, want := len(store.stored(domain.TypeSessionOpened)), 1; got != want {
		t.Errorf("session.opened: got %d, want %d", got, want)
	}
}

func TestServiceRecordAnyVersion(t *testing.T) {
	store := newFakeStore()
	s := newServices(store, 1, false)[0]
	ctx := context.Background()
	e := s.NewEvent("", "", domain.WidgetConnected{Instance: "a", Conn: "k1"})
	e.WidgetID = "w1"
	for i := 0; i < 2; i++ {
		if err := s.Record(ctx, e); err != nil {
			t.Fatalf("Record #%d: %v", i+1, err)
		}
	}
	if got, want := len(store.stored(domain.TypeWidgetConnected)), 1; got != want {
		t.Errorf("widget.connected stored %d times, want %d", got, want)
	}
	if err := s.Record(ctx); err != nil {
		t.Errorf("Record of nothing: %v", err)
	}
	if got, want := e.Time, t0; !got.Equal(want) {
		t.Errorf("NewEvent time: got %v, want the service clock's %v", got, want)
	}
}

func TestServiceRefusesBadChargerID(t *testing.T) {
	store := newFakeStore()
	s := newServices(store, 1, true)[0]
	_, err := s.ReportSoC(context.Background(), "c/../1", domain.Reading{SoC: 10})
	checkCode(t, err, domain.CodeInvalidID)
	if appends, _, loads := store.counters(); appends+loads != 0 {
		t.Errorf("store touched for a bad id: %d appends, %d loads", appends, loads)
	}
}

func TestServiceOnPairingsAndNotices(t *testing.T) {
	store := newFakeStore()
	svcs := newServices(store, 2, true)
	ctx := context.Background()
	set := func(c, w string) func(*domain.Pairings, domain.Ctx) ([]domain.Event, error) {
		return func(p *domain.Pairings, x domain.Ctx) ([]domain.Event, error) { return p.Set(x, c, w, false) }
	}
	if _, err := svcs[0].OnPairings(ctx, set("c1", "w1")); err != nil {
		t.Fatal(err)
	}
	// The other instance sees the pairing through the store.
	_, err := svcs[1].OnPairings(ctx, set("c2", "w1"))
	checkCode(t, err, domain.CodeWidgetTaken)

	schedule := func(n *domain.Notices, x domain.Ctx) ([]domain.Event, error) {
		return n.Schedule(x, "2026-07-04 19:00", "UTC", "soon", time.LoadLocation)
	}
	evs, err := svcs[0].OnNotices(ctx, schedule)
	if err != nil {
		t.Fatal(err)
	}
	id := evs[0].ID
	fire := func(n *domain.Notices, x domain.Ctx) ([]domain.Event, error) {
		x.Now = t0.Add(2 * time.Hour)
		return n.Fire(x, id), nil
	}
	fired := 0
	for _, s := range svcs {
		evs, err := s.OnNotices(ctx, fire)
		if err != nil {
			t.Fatal(err)
		}
		fired += len(evs)
	}
	if got, want := fired, 1; got != want {
		t.Errorf("notice fired %d times across instances, want %d", got, want)
	}
}

func TestServiceForgetRereads(t *testing.T) {
	store := newFakeStore()
	s := newServices(store, 1, false)[0]
	ctx := context.Background()
	if _, err := s.ReportSoC(ctx, "c1", domain.Reading{SoC: 10}); err != nil {
		t.Fatal(err)
	}
	_, _, loads := store.counters()
	s.Forget("c1")
	evs, err := s.ReportSoC(ctx, "c1", domain.Reading{SoC: 20})
	if err != nil {
		t.Fatal(err)
	}
	checkPayloads(t, evs, []domain.Payload{domain.SoCReported{SoC: 20, Status: domain.StatusCharging}})
	if _, _, got := store.counters(); got != loads+1 {
		t.Errorf("loads: got %d, want %d", got, loads+1)
	}
}
