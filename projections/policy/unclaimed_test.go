package policy_test

import (
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/chargebooth/chargebooth/projections/policy"
)

// TestUnclaimedAtClosing is must-show 6: with an injected clock, phones
// still at the booth at 02:00 are marked unclaimed once (two instances
// ticking at once, then again after the closing, then a restart), listed,
// and still collectable the next day.
func TestUnclaimedAtClosing(t *testing.T) {
	e := newEnv(t) // clock at 2026-07-04 18:00 UTC
	madrid, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	closing, err := domain.ParseClosing("02:00", madrid) // 00:00 UTC in summer
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxFor(t, 20*time.Second)
	for _, c := range []string{"c1", "c2", "c3"} {
		if _, err := e.svc.ReportSoC(ctx, c, domain.Reading{SoC: 40}); err != nil {
			t.Fatal(err)
		}
	}
	e.folded()
	s3 := e.board.Sessions(projections.SessionFilter{ChargerID: "c3"}, e.clock.Now())[0]
	_, err = e.svc.OnCharger(ctx, "c3", func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return c.HandBack(x, domain.DefaultTariff, s3.ID, "crew phone")
	})
	if err != nil {
		t.Fatal(err)
	}
	e.folded()
	instance := func() *policy.Unclaimed {
		return &policy.Unclaimed{Board: e.board, Service: e.service(), Clock: e.clock.Now, Closing: closing}
	}
	tick := func() int {
		t.Helper()
		var (
			wg sync.WaitGroup
			mu sync.Mutex
			n  int
		)
		for range 2 {
			u := instance()
			wg.Go(func() {
				got, err := u.Tick(ctx)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				n += got
				mu.Unlock()
			})
		}
		wg.Wait()
		e.folded()
		return n
	}
	unclaimed := func() int {
		n := 0
		for _, c := range []string{"c1", "c2", "c3"} {
			n += count(e.events(domain.ChargerKey(c)), domain.SessionUnclaimed{})
		}
		return n
	}
	// Before closing: the last closing (02:00 that morning) came before
	// the sessions opened.
	if got := tick(); got != 0 || unclaimed() != 0 {
		t.Fatalf("before closing: marked %d, stored %d, want none", got, unclaimed())
	}
	// 02:00 Madrid: c1 and c2 are still here, c3 went home.
	e.clock.Advance(6 * time.Hour)
	if got := tick(); got < 2 {
		t.Fatalf("at closing: marked %d, want 2 (or more: both instances may report one they stored at once)", got)
	}
	if got := unclaimed(); got != 2 {
		t.Fatalf("stored marks at closing: got %d, want 2", got)
	}
	e.clock.Advance(time.Minute)
	tick()
	u := instance() // a restart: a new service and policy
	if _, err := u.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	e.folded()
	if got := unclaimed(); got != 2 {
		t.Fatalf("stored marks after more ticks and a restart: got %d, want 2", got)
	}
	list := e.board.Sessions(projections.SessionFilter{Status: projections.StatusUnclaimed}, e.clock.Now())
	if len(list) != 2 || list[0].UnclaimedNight != "2026-07-05 02:00" {
		t.Fatalf("unclaimed list: got %+v", list)
	}
	// The next afternoon the owner of c1 comes back: pays, collects.
	e.clock.Advance(12 * time.Hour)
	s1 := e.board.Sessions(projections.SessionFilter{ChargerID: "c1"}, e.clock.Now())[0]
	_, err = e.svc.OnCharger(ctx, "c1", func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return c.RecordPayment(x, domain.DefaultTariff, s1.ID, domain.Payment{AmountCents: 500, Method: domain.MethodCash})
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.OnCharger(ctx, "c1", func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return c.HandBack(x, domain.DefaultTariff, s1.ID, "")
	})
	if err != nil {
		t.Fatalf("hand-back the next day: %v", err)
	}
	e.folded()
	list = e.board.Sessions(projections.SessionFilter{Status: projections.StatusUnclaimed}, e.clock.Now())
	if len(list) != 1 || list[0].ChargerID != "c2" {
		t.Fatalf("unclaimed after c1 was collected: got %+v", list)
	}
	// c2 is still here at the next closing: marked a second time.
	e.clock.Advance(12 * time.Hour)
	tick()
	if got := unclaimed(); got != 3 {
		t.Fatalf("stored marks after two nights: got %d, want 3", got)
	}
}
