package main

import "testing"

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"1048576", 1 << 20, true},
		{"512KiB", 512 << 10, true},
		{"8MiB", 8 << 20, true},
		{"8 MiB", 8 << 20, true},
		{"2GiB", 2 << 30, true},
		{"3MB", 3 << 20, true},
		{"7B", 7, true},
		{"", 0, false},
		{"-1", 0, false},
		{"1.5MiB", 0, false},
		{"lots", 0, false},
		{"9999999999999GiB", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseByteSize(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("parseByteSize(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

func FuzzParseByteSize(f *testing.F) {
	for _, s := range []string{"8MiB", "512KiB", "1048576", "-3", "1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseByteSize(s)
		if err == nil && n < 0 {
			t.Fatalf("%q: negative size %d", s, n)
		}
	})
}
