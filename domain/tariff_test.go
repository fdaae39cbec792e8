package domain_test

import (
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

func TestTariffDue(t *testing.T) {
	flat := domain.Tariff{FlatCents: 500, Currency: "EUR"}
	hourly := domain.Tariff{FlatCents: 100, HourlyCents: 200, Currency: "EUR"}
	capped := domain.Tariff{FlatCents: 100, HourlyCents: 200, CapCents: 700, Currency: "EUR"}
	tests := []struct {
		name   string
		tariff domain.Tariff
		stay   time.Duration
		want   int64
	}{
		{"flat, 0 min", flat, 0, 500},
		{"flat, 10 h", flat, 10 * time.Hour, 500},
		{"default is 5.00 flat", domain.DefaultTariff, 3 * time.Hour, 500},
		{"hourly, 0 min", hourly, 0, 100},
		{"hourly, 1 ns", hourly, time.Nanosecond, 300},
		{"hourly, 1 min", hourly, time.Minute, 300},
		{"hourly, 60 min", hourly, 60 * time.Minute, 300},
		{"hourly, 61 min", hourly, 61 * time.Minute, 500},
		{"hourly, 120 min", hourly, 120 * time.Minute, 500},
		{"hourly, end before open", hourly, -time.Hour, 100},
		{"capped, below the cap", capped, 2 * time.Hour, 500},
		{"capped, at the cap", capped, 3 * time.Hour, 700},
		{"capped, above the cap", capped, 48 * time.Hour, 700},
		{"cap below the flat fee", domain.Tariff{FlatCents: 500, CapCents: 300}, time.Hour, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.tariff.Due(t0, t0.Add(tt.stay)); got != tt.want {
				t.Fatalf("Due after %v: got %d, want %d", tt.stay, got, tt.want)
			}
		})
	}
}
