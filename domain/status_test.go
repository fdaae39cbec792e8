package domain_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/chargebooth/chargebooth/domain"
)

func TestStatusFor(t *testing.T) {
	tests := []struct {
		soc  float64
		want domain.Status
	}{
		{0, domain.StatusCharging},
		{5, domain.StatusCharging},
		{79.9, domain.StatusCharging},
		{80, domain.StatusCharging80},
		{99.5, domain.StatusCharging80},
		{100, domain.StatusCharged},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.soc), func(t *testing.T) {
			if got := domain.StatusFor(tt.soc); got != tt.want {
				t.Fatalf("StatusFor(%v): got %q, want %q", tt.soc, got, tt.want)
			}
		})
	}
}

func TestStatusWireNames(t *testing.T) {
	// The LED names are part of the widget protocol.
	tests := []struct {
		got  domain.Status
		want string
	}{
		{domain.StatusCharging, "charging"},
		{domain.StatusCharging80, "charging80"},
		{domain.StatusCharged, "charged"},
		{domain.StatusNone, ""},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("status: got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestValidateSoC(t *testing.T) {
	tests := []struct {
		soc      float64
		wantCode string
	}{
		{-1, domain.CodeInvalidSoC},
		{-0.001, domain.CodeInvalidSoC},
		{100.001, domain.CodeInvalidSoC},
		{101, domain.CodeInvalidSoC},
		{math.NaN(), domain.CodeInvalidSoC},
		{math.Inf(1), domain.CodeInvalidSoC},
		{math.Inf(-1), domain.CodeInvalidSoC},
		{0, ""},
		{100, ""},
		{55.5, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.soc), func(t *testing.T) {
			err := domain.ValidateSoC(tt.soc)
			checkCode(t, err, tt.wantCode)
			if err != nil && domain.ErrorMessage(err) == "" {
				t.Fatalf("refusal without a message")
			}
		})
	}
}
