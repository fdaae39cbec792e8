package domain_test

import (
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

func TestParseClosing(t *testing.T) {
	madrid, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	tests := []struct {
		in      string
		h, m    int
		wantErr bool
	}{
		{in: "02:00", h: 2}, {in: "23:59", h: 23, m: 59}, {in: "00:00"},
		{in: "24:00", wantErr: true}, {in: "2:00", wantErr: true}, {in: "02:60", wantErr: true},
		{in: "", wantErr: true}, {in: "ab:cd", wantErr: true}, {in: "02-00", wantErr: true}, {in: "+2:00", wantErr: true}, {in: "02:0x", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := domain.ParseClosing(tt.in, madrid)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err: got %v, want error %v", err, tt.wantErr)
			}
			if err == nil && (c.Hour != tt.h || c.Minute != tt.m) {
				t.Fatalf("got %02d:%02d, want %02d:%02d", c.Hour, c.Minute, tt.h, tt.m)
			}
		})
	}
}

func FuzzParseClosing(f *testing.F) {
	for _, s := range []string{"02:00", "23:59", "24:00", "0:0", "99:99", "٠٢:٠٠"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := domain.ParseClosing(s, time.UTC)
		if err != nil {
			return
		}
		if c.Hour < 0 || c.Hour > 23 || c.Minute < 0 || c.Minute > 59 {
			t.Fatalf("%q gave %02d:%02d", s, c.Hour, c.Minute)
		}
		now := time.Date(2026, 7, 4, 12, 0, 0, 0, time.UTC)
		if last := c.Last(now); last.After(now) || now.Sub(last) > 25*time.Hour {
			t.Fatalf("%q: last closing %v for now %v", s, last, now)
		}
	})
}

func TestClosingLast(t *testing.T) {
	madrid, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	c, _ := domain.ParseClosing("02:00", madrid)
	// 2026-07-04 18:00 UTC is 20:00 in Madrid: the last closing was 02:00
	// that morning (00:00 UTC).
	if got, want := c.Last(t0), time.Date(2026, 7, 4, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("last: got %v, want %v", got, want)
	}
	if got, want := c.Night(c.Last(t0)), "2026-07-04 02:00"; got != want {
		t.Fatalf("night: got %q, want %q", got, want)
	}
	// At 02:00 exactly the closing is now.
	at := time.Date(2026, 7, 5, 0, 0, 0, 0, time.UTC)
	if got := c.Last(at); !got.Equal(at) {
		t.Fatalf("last at the closing: got %v, want %v", got, at)
	}
}

func TestMarkUnclaimed(t *testing.T) {
	cl, _ := domain.ParseClosing("02:00", time.UTC)
	closes := t0.Add(8 * time.Hour) // 2026-07-05 02:00
	night := "2026-07-05 02:00"
	c := domain.NewCharger(charger)
	c.Fold(history(opened()))
	x := ctxAt(8 * time.Hour)
	got := c.MarkUnclaimed(x, cl, closes)
	checkPayloads(t, got, []domain.Payload{domain.SessionUnclaimed{Night: night, ClosesAt: closes, TimeZone: "UTC"}})
	if got[0].ID != domain.DerivedID(charger, domain.KindUnclaimed, sess1+"\x00"+night) {
		t.Fatalf("id: got %s, want the derived id", got[0].ID)
	}
	c.Apply(got[0])
	if again := c.MarkUnclaimed(x, cl, closes); len(again) != 0 {
		t.Fatalf("marked twice in one night: %s", fmtPayloads(payloads(again)))
	}
	// The next night it is marked again; a session opened after the
	// closing is not.
	if next := c.MarkUnclaimed(ctxAt(32*time.Hour), cl, closes.Add(24*time.Hour)); len(next) != 1 {
		t.Fatalf("next night: got %d events, want 1", len(next))
	}
	if early := c.MarkUnclaimed(x, cl, t0.Add(-time.Hour)); len(early) != 0 {
		t.Fatalf("session opened after the closing marked: %s", fmtPayloads(payloads(early)))
	}
	// Still collectable: a hand-back after the mark closes it.
	c.Apply(at(9*time.Hour, sess1, domain.PaymentRecorded{AmountCents: 500, Method: domain.MethodCash}))
	evs, err := c.HandBack(ctxAt(30*time.Hour), domain.DefaultTariff, sess1, "")
	if err != nil || len(evs) != 1 {
		t.Fatalf("hand-back the next day: %v, %d events", err, len(evs))
	}
	if none := domain.NewCharger("c2").MarkUnclaimed(x, cl, closes); len(none) != 0 {
		t.Fatal("charger without a session marked")
	}
}
