package domain_test

import (
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

func TestDeriveID(t *testing.T) {
	a := domain.DeriveID("reading", "c1", "r-17")
	if got, want := domain.DeriveID("reading", "c1", "r-17"), a; got != want {
		t.Fatalf("not stable: got %q, want %q", got, want)
	}
	if _, err := ulid.ParseStrict(a); err != nil {
		t.Fatalf("ParseStrict(%q): %v", a, err)
	}
	others := [][]string{
		{"reading", "c1", "r-18"},
		{"reading", "c2", "r-17"},
		{"ocpp", "c1", "r-17"},
		{"reading", "c1r-17"},
		{"reading", "c", "1r-17"},
		{"reading", "c1", "r-17", ""},
	}
	seen := map[string][]string{a: {"reading", "c1", "r-17"}}
	for _, parts := range others {
		id := domain.DeriveID(parts...)
		if prev, ok := seen[id]; ok {
			t.Errorf("DeriveID(%q) = DeriveID(%q) = %s", parts, prev, id)
		}
		seen[id] = parts
		if _, err := ulid.ParseStrict(id); err != nil {
			t.Errorf("ParseStrict(%q): %v", id, err)
		}
	}
	if got, want := domain.ReadingEventID("c1", "r-17"), a; got != want {
		t.Errorf("ReadingEventID: got %q, want DeriveID's %q", got, want)
	}
}
