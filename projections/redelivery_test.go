package projections_test

import (
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

func TestBoardIgnoresRedelivery(t *testing.T) {
	s := &stream{}
	s.add("c1", "s1", domain.SessionOpened{By: domain.OpenedByReading})
	pay := s.add("c1", "s1", domain.PaymentRecorded{AmountCents: 300, Method: "cash"})
	b := fold(t, domain.DefaultTariff, s.events)
	for _, e := range []domain.Event{pay, s.events[0]} {
		if err := b.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := b.Applied(), pay.Seq; got != want {
		t.Errorf("applied: got %d, want %d", got, want)
	}
	sess, ok := b.Session("s1", t0.Add(time.Hour))
	if !ok || sess.PaidCents != 300 {
		t.Errorf("paid after redelivery: got %+v, want 300", sess)
	}
}
