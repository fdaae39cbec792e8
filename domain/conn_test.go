package domain_test

import (
	"testing"

	"github.com/chargebooth/chargebooth/domain"
)

func TestConnID(t *testing.T) {
	tests := []struct {
		n               uint64
		epoch, instance string
		want            string
	}{
		{1, "", "a", "1@a"},
		{35, "mf3x9", "booth-3000", "z.mf3x9@booth-3000"},
		{36, "e", "x@y", "10.e@x@y"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := domain.ConnID(tt.n, tt.epoch, tt.instance)
			if got != tt.want {
				t.Fatalf("ConnID: got %q, want %q", got, tt.want)
			}
			inst, epoch := domain.ConnOwner(got)
			if inst != tt.instance || epoch != tt.epoch {
				t.Errorf("ConnOwner(%q): got %q %q, want %q %q", got, inst, epoch, tt.instance, tt.epoch)
			}
		})
	}
	for _, bad := range []string{"", "nothing", "3", ".0@", "1@"} {
		if inst, epoch := domain.ConnOwner(bad); inst != "" || epoch != "" {
			t.Errorf("ConnOwner(%q): got %q %q, want nothing", bad, inst, epoch)
		}
	}
}

func FuzzConnOwner(f *testing.F) {
	for _, s := range []string{"1@a", "z.mf3x9@booth-3000", "@", ".@", "a.b.c@d@e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, conn string) {
		inst, epoch := domain.ConnOwner(conn)
		if inst == "" && epoch != "" {
			t.Fatalf("%q: epoch %q without an instance", conn, epoch)
		}
	})
}
