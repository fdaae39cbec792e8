package eventstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore/estest"
)

// TestMoneyAcrossInstances races two instances (two services sharing one
// real JetStream store) on the same corrections: the store's optimistic
// concurrency on the aggregate's subject keeps one shift per till, one
// void per payment, and refunds never above what was paid.
func TestMoneyAcrossInstances(t *testing.T) {
	_, store, _ := estest.Start(t)
	t0 := time.Date(2026, 7, 4, 18, 0, 0, 0, time.UTC)
	now := func() time.Time { return t0 }
	svc := func() *domain.Service {
		s := domain.NewService(store, now, func() string { return ulid.Make().String() }, domain.DefaultTariff)
		s.SetShared(true)
		return s
	}
	a, b := svc(), svc()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	race := func(f func(*domain.Service) error) (ok, refused int, codes []string) {
		t.Helper()
		var wg sync.WaitGroup
		var mu sync.Mutex
		for _, s := range []*domain.Service{a, b} {
			wg.Go(func() {
				err := f(s)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					ok++
					return
				}
				refused++
				codes = append(codes, domain.ErrorCode(err))
			})
		}
		wg.Wait()
		return ok, refused, codes
	}

	ok, _, codes := race(func(s *domain.Service) error {
		_, err := s.OnShifts(ctx, func(sh *domain.Shifts, x domain.Ctx) ([]domain.Event, error) {
			return sh.Open(x, domain.DefaultTariff, "main", 10000)
		})
		return err
	})
	if ok != 1 || len(codes) != 1 || codes[0] != domain.CodeShiftOpen {
		t.Fatalf("two shifts on one till: %d opened, refusals %v", ok, codes)
	}

	evs, err := a.CheckIn(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	sid := evs[0].SessionID
	paid, err := a.OnCharger(ctx, "c1", func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return c.RecordPayment(x, domain.DefaultTariff, sid, domain.Payment{AmountCents: 300, Method: domain.MethodCash})
	})
	if err != nil {
		t.Fatal(err)
	}
	ok, _, codes = race(func(s *domain.Service) error {
		_, err := s.OnCharger(ctx, "c1", func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
			return c.VoidPayment(x, domain.DefaultTariff, sid, domain.Void{PaymentID: paid[0].ID, Reason: "typo"})
		})
		return err
	})
	if ok != 1 || len(codes) != 1 || codes[0] != domain.CodeAlreadyVoided {
		t.Fatalf("one payment voided twice at once: %d voids, refusals %v", ok, codes)
	}
	if _, err := b.OnCharger(ctx, "c1", func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return c.RecordPayment(x, domain.DefaultTariff, sid, domain.Payment{AmountCents: 500, Method: domain.MethodCard})
	}); err != nil {
		t.Fatal(err)
	}
	ok, _, codes = race(func(s *domain.Service) error {
		_, err := s.OnCharger(ctx, "c1", func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
			return c.RefundSession(x, domain.DefaultTariff, sid, domain.Refund{AmountCents: 300, Method: domain.MethodCard, Reason: "r"})
		})
		return err
	})
	if ok != 1 || len(codes) != 1 || codes[0] != domain.CodeRefundTooLarge {
		t.Fatalf("two refunds of 3.00 on 5.00 paid: %d refunded, refusals %v", ok, codes)
	}
}
