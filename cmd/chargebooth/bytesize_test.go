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

// A size prints as an operator writes it (the flag help shows defaults
// so), and what it prints sets it again.
func TestByteSizeString(t *testing.T) {
	for _, tc := range []struct {
		n    byteSize
		want string
	}{{0, "0"}, {1000, "1000"}, {20 << 10, "20KiB"}, {1 << 20, "1MiB"}, {3 << 30, "3GiB"}, {1536, "1536"}, {(1 << 20) + 1024, "1025KiB"}} {
		if got := tc.n.String(); got != tc.want {
			t.Errorf("%d: got %q, want %q", int64(tc.n), got, tc.want)
		}
		var back byteSize
		if err := back.Set(tc.n.String()); err != nil || back != tc.n {
			t.Errorf("%q sets %d, %v; want %d", tc.n.String(), int64(back), err, int64(tc.n))
		}
	}
}
