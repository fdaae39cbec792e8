package domain_test

import (
	"math"
	"testing"

	"github.com/chargebooth/chargebooth/domain"
)

func TestValidateSoCMessage(t *testing.T) {
	tests := []struct {
		soc float64
		msg string // "" when valid
	}{
		{0, ""}, {79.9, ""}, {100, ""},
		{101, "soc must be a number from 0 to 100, got 101"},
		{-1, "soc must be a number from 0 to 100, got -1"},
		{math.NaN(), "soc must be a number from 0 to 100, got NaN"},
		{math.Inf(1), "soc must be a number from 0 to 100, got +Inf"},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			err := domain.ValidateSoC(tt.soc)
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("ValidateSoC(%g): got %v, want nil", tt.soc, err)
				}
				return
			}
			checkCode(t, err, domain.CodeInvalidSoC)
			if got := err.Error(); got != tt.msg {
				t.Errorf("ValidateSoC(%g): got %q, want %q", tt.soc, got, tt.msg)
			}
		})
	}
}

func TestParseSoC(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		msg  string // "" when valid
	}{
		{"0", 0, ""}, {"55", 55, ""}, {" 79.9 ", 79.9, ""}, {"70.0", 70, ""}, {"100", 100, ""}, {"1e2", 100, ""},
		{"101", 0, `"101" is not a number from 0 to 100`},
		{"-1", 0, `"-1" is not a number from 0 to 100`},
		{"abc", 0, `"abc" is not a number from 0 to 100`},
		{" seventy ", 0, `"seventy" is not a number from 0 to 100`},
		{"", 0, `"" is not a number from 0 to 100`},
		{"NaN", 0, `"NaN" is not a number from 0 to 100`},
		{"Inf", 0, `"Inf" is not a number from 0 to 100`},
		{"1e999", 0, `"1e999" is not a number from 0 to 100`},
		{"3%", 0, `"3%" is not a number from 0 to 100`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := domain.ParseSoC(tt.in)
			if tt.msg == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ParseSoC(%q): got %v, %v; want %v", tt.in, got, err, tt.want)
				}
				return
			}
			checkCode(t, err, domain.CodeInvalidSoC)
			if err.Error() != tt.msg || got != 0 {
				t.Errorf("ParseSoC(%q): got %v, %q; want 0, %q", tt.in, got, err.Error(), tt.msg)
			}
		})
	}
}

// TestParseSoCDoesNotAllocate: the charger edges parse every reading.
func TestParseSoCDoesNotAllocate(t *testing.T) {
	b := []byte("79.9")
	if n := testing.AllocsPerRun(100, func() { _, _ = domain.ParseSoC(string(b)) }); n != 0 {
		t.Errorf("got %v allocations per good value, want 0", n)
	}
}

// FuzzParseSoC is seeded with the values of real frames: OCPP sampled
// values, simple-protocol soc numbers and typed mock readings.
func FuzzParseSoC(f *testing.F) {
	for _, s := range []string{"70.0", "85", "100", "0", "79.9", "50.0", " 42 ", "1e2", "101", "-1", "-0", "abc", "1e999", "NaN", "Inf", "", "0x10", "1_0", "7e-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := domain.ParseSoC(s)
		if err != nil {
			if domain.ErrorCode(err) != domain.CodeInvalidSoC || v != 0 {
				t.Fatalf("ParseSoC(%q) = %v, %v; want 0 and invalid_soc", s, v, err)
			}
			return
		}
		if domain.ValidateSoC(v) != nil {
			t.Fatalf("ParseSoC(%q) = %v, which ValidateSoC refuses", s, v)
		}
	})
}
