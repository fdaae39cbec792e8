package domain_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// instances is what a service test step acts on: two services (instances)
// over one store.
type instances struct {
	store *fakeStore
	a, b  *domain.Service
}

// step is one given or when of a service test.
type step func(tb testing.TB, in instances) ([]domain.Event, error)

func pairOn(which func(instances) *domain.Service, c, w string, steal bool) step {
	return func(tb testing.TB, in instances) ([]domain.Event, error) {
		return which(in).OnPairings(context.Background(), func(p *domain.Pairings, x domain.Ctx) ([]domain.Event, error) {
			return p.Set(x, c, w, steal)
		})
	}
}

func onA(in instances) *domain.Service { return in.a }
func onB(in instances) *domain.Service { return in.b }

func readingOn(which func(instances) *domain.Service, c string, soc float64) step {
	return func(tb testing.TB, in instances) ([]domain.Event, error) {
		return which(in).ReportSoC(context.Background(), c, domain.Reading{SoC: soc})
	}
}

func TestServiceSessionGetsPairedWidget(t *testing.T) {
	start := domain.TransactionStarted{ConnectorID: 1, IDTag: "TAG", Timestamp: t0}
	errDown := errors.New("nats: no responders available for request")
	tests := []struct {
		name   string
		shared bool
		given  []step
		// loadFails makes every load of the pairing table fail from when on.
		loadFails bool
		when      step
		then      []domain.Payload
		wantCode  string
		// pairingLoads is how often when reads the pairing table.
		pairingLoads int
	}{
		{
			name:         "reading opens a session with the charger's widget",
			shared:       true,
			given:        []step{pairOn(onA, "c1", "w1", false)},
			when:         readingOn(onA, "c1", 50),
			then:         []domain.Payload{domain.SessionOpened{By: domain.OpenedByReading, WidgetID: "w1"}, domain.SoCReported{SoC: 50, Status: domain.StatusCharging}},
			pairingLoads: 1,
		},
		{
			name:         "unpaired charger opens a session without a widget",
			shared:       true,
			given:        []step{pairOn(onA, "c2", "w2", false)},
			when:         readingOn(onA, "c1", 50),
			then:         []domain.Payload{domain.SessionOpened{By: domain.OpenedByReading}, domain.SoCReported{SoC: 50, Status: domain.StatusCharging}},
			pairingLoads: 1,
		},
		{
			name:   "pairing made on another instance is seen",
			shared: true,
			given: []step{
				readingOn(onA, "c9", 10), // a has the (empty) table cached
				pairOn(onB, "c1", "w1", false),
			},
			when:         readingOn(onA, "c1", 50),
			then:         []domain.Payload{domain.SessionOpened{By: domain.OpenedByReading, WidgetID: "w1"}, domain.SoCReported{SoC: 50, Status: domain.StatusCharging}},
			pairingLoads: 1,
		},
		{
			name:   "widget moved on another instance is not kept",
			shared: true,
			given: []step{
				pairOn(onA, "c1", "w1", false),
				readingOn(onA, "c9", 10),
				pairOn(onB, "c2", "w1", true),
			},
			when:         readingOn(onA, "c1", 50),
			then:         []domain.Payload{domain.SessionOpened{By: domain.OpenedByReading}, domain.SoCReported{SoC: 50, Status: domain.StatusCharging}},
			pairingLoads: 1,
		},
		{
			name:   "reading on an open session does not read the table",
			shared: true,
			given: []step{
				pairOn(onA, "c1", "w1", false),
				readingOn(onA, "c1", 40),
				pairOn(onB, "c1", "w2", false),
			},
			when:         readingOn(onA, "c1", 50),
			then:         []domain.Payload{domain.SoCReported{SoC: 50, Status: domain.StatusCharging}},
			pairingLoads: 0,
		},
		{
			name:   "single instance decides on its cached table",
			shared: false,
			given: []step{
				pairOn(onA, "c1", "w1", false),
				readingOn(onA, "c9", 10),
			},
			when:         readingOn(onA, "c1", 50),
			then:         []domain.Payload{domain.SessionOpened{By: domain.OpenedByReading, WidgetID: "w1"}, domain.SoCReported{SoC: 50, Status: domain.StatusCharging}},
			pairingLoads: 0,
		},
		{
			name:   "check-in gets the widget",
			shared: true,
			given:  []step{pairOn(onA, "c1", "w1", false)},
			when: func(tb testing.TB, in instances) ([]domain.Event, error) {
				return in.a.CheckIn(context.Background(), "c1")
			},
			then:         []domain.Payload{domain.SessionOpened{By: domain.OpenedByStaff, WidgetID: "w1"}},
			pairingLoads: 1,
		},
		{
			name:   "check-in on an open session is refused",
			shared: false,
			given:  []step{pairOn(onA, "c1", "w1", false), readingOn(onA, "c1", 40)},
			when: func(tb testing.TB, in instances) ([]domain.Event, error) {
				return in.a.CheckIn(context.Background(), "c1")
			},
			wantCode: domain.CodeSessionOpen,
		},
		{
			name:   "OCPP start gets the widget",
			shared: true,
			given:  []step{pairOn(onB, "c1", "w1", false)},
			when: func(tb testing.TB, in instances) ([]domain.Event, error) {
				evs, tx, err := in.a.StartTransaction(context.Background(), "c1", domain.DerivedID("c1", "ocpp.StartTransaction", "m-1"), start)
				// The booth-wide counter starts above the stream's last
				// sequence (the pairing, 1).
				if err == nil && tx != 2 {
					tb.Errorf("transaction id: got %d, want 2", tx)
				}
				return evs, err
			},
			then: []domain.Payload{
				domain.SessionOpened{By: domain.OpenedByOCPP, WidgetID: "w1"},
				domain.TransactionStarted{TransactionID: 2, ConnectorID: 1, IDTag: "TAG", Timestamp: t0},
			},
			pairingLoads: 1,
		},
		{
			name:         "unreadable table stores nothing",
			shared:       false,
			loadFails:    true,
			when:         readingOn(onA, "c1", 50),
			wantCode:     domain.CodeInternal,
			pairingLoads: 1,
		},
		{
			name:         "unreadable table does not matter on an open session",
			shared:       true,
			given:        []step{readingOn(onA, "c1", 40)},
			loadFails:    true,
			when:         readingOn(onA, "c1", 50),
			then:         []domain.Payload{domain.SoCReported{SoC: 50, Status: domain.StatusCharging}},
			pairingLoads: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newFakeStore()
			svcs := newServices(store, 2, tt.shared)
			in := instances{store: store, a: svcs[0], b: svcs[1]}
			for i, g := range tt.given {
				if _, err := g(t, in); err != nil {
					t.Fatalf("given %d: %v", i, err)
				}
			}
			if tt.loadFails {
				store.mu.Lock()
				store.loadErr[domain.PairingsKey] = errDown
				store.mu.Unlock()
			}
			before := store.loadsOfKey(domain.PairingsKey)
			n := len(store.stored(domain.TypeSessionOpened))
			evs, err := tt.when(t, in)
			checkCode(t, err, tt.wantCode)
			checkPayloads(t, evs, tt.then)
			if got, want := store.loadsOfKey(domain.PairingsKey)-before, tt.pairingLoads; got != want {
				t.Errorf("pairing table loads: got %d, want %d", got, want)
			}
			if err != nil {
				if got, want := len(store.stored(domain.TypeSessionOpened)), n; got != want {
					t.Errorf("session.opened after a refusal: got %d, want %d", got, want)
				}
			}
		})
	}
}

// TestServiceLockOrder runs pairing commands and session-opening commands
// on the same chargers at once, on two instances: they must neither
// deadlock nor race.
func TestServiceLockOrder(t *testing.T) {
	store := newFakeStore()
	svcs := newServices(store, 2, true)
	ctx := context.Background()
	chargers := []string{"c1", "c2", "c3"}
	var wg sync.WaitGroup
	for _, s := range svcs {
		for i, c := range chargers {
			wg.Add(2)
			go func() {
				defer wg.Done()
				for n := range 30 {
					w := chargers[(i+n)%len(chargers)]
					_, _ = s.OnPairings(ctx, func(p *domain.Pairings, x domain.Ctx) ([]domain.Event, error) {
						return p.Set(x, c, "w"+w, true)
					})
				}
			}()
			go func() {
				defer wg.Done()
				for n := range 30 {
					evs, err := s.ReportSoC(ctx, c, domain.Reading{SoC: 100})
					if err != nil || len(evs) == 0 || n%3 != 0 {
						continue
					}
					_, _ = s.OnCharger(ctx, c, func(ch *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
						if ch.Session == nil {
							return nil, nil
						}
						return ch.HandBack(x, s.Tariff(), ch.Session.ID, "test")
					})
				}
			}()
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("commands did not finish: deadlock between the charger and pairing slots?")
	}
	if got := len(store.stored(domain.TypeSessionOpened)); got == 0 {
		t.Error("no session was opened")
	}
}
