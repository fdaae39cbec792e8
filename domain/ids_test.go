package domain_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/oklog/ulid/v2"

	"github.com/chargebooth/chargebooth/domain"
)

func TestValidateDeviceID(t *testing.T) {
	tests := []struct {
		name string
		id   string
		ok   bool
	}{
		{"demo charger", "c1234", true},
		{"demo widget", "wABCD", true},
		{"one char", "a", true},
		{"all classes", "Az09._-", true},
		{"48 chars", strings.Repeat("x", 48), true},
		{"empty", "", false},
		{"49 chars", strings.Repeat("x", 49), false},
		{"space", "c 1", false},
		{"slash", "c/1", false},
		{"backslash", `c\1`, false},
		{"unicode", "cé1", false},
		{"percent", "c%201", false},
		{"colon", "c:1", false},
		{"nul", "c\x001", false},
		{"dotdot ok", "..", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.ValidateDeviceID("charger", tt.id)
			if got := err == nil; got != tt.ok {
				t.Fatalf("ValidateDeviceID(%q): got ok=%v (%v), want ok=%v", tt.id, got, err, tt.ok)
			}
			if err != nil {
				checkCode(t, err, domain.CodeInvalidID)
			}
		})
	}
}

func TestDerivedID(t *testing.T) {
	a := domain.DerivedID("c1", domain.KindReading, "r-17")
	if got, want := domain.DerivedID("c1", domain.KindReading, "r-17"), a; got != want {
		t.Fatalf("not stable: got %q, want %q", got, want)
	}
	if _, err := ulid.ParseStrict(a); err != nil {
		t.Fatalf("ParseStrict(%q): %v", a, err)
	}
	// A reading's id is what it was before DerivedID had its name: events
	// stored by older versions still deduplicate re-sent readings.
	if got, want := a, "6V6C0Q0J0ARPJK2QTZRYF0F0MM"; got != want {
		t.Errorf("reading id: got %s, want the one older versions stored, %s", got, want)
	}
	others := []struct{ charger, kind, key string }{
		{"c1", domain.KindReading, "r-18"},
		{"c2", domain.KindReading, "r-17"},
		{"c1", "ocpp.MeterValues", "r-17"},
		{"c1r", domain.KindReading, "-17"},
		{"c", domain.KindReading, "1r-17"},
		{"c1", domain.KindReading, "r-17\x00"},
		{"c1", domain.KindReading, ""},
	}
	seen := map[string]string{a: "c1 reading r-17"}
	for _, o := range others {
		id := domain.DerivedID(o.charger, o.kind, o.key)
		if prev, ok := seen[id]; ok {
			t.Errorf("DerivedID(%q) = DerivedID(%s) = %s", o, prev, id)
		}
		seen[id] = fmt.Sprintf("%q", o)
		if _, err := ulid.ParseStrict(id); err != nil {
			t.Errorf("ParseStrict(%q): %v", id, err)
		}
	}
}

func TestDerivedIDAllocatesOnlyTheID(t *testing.T) {
	key := "r-17"
	if n := testing.AllocsPerRun(100, func() { _ = domain.DerivedID("c1234", domain.KindReading, key) }); n > 1 {
		t.Errorf("got %v allocations, want 1 (the id)", n)
	}
}
