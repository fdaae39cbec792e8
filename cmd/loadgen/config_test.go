package main

import (
	"io"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		check   func(Config) bool
		wantErr bool
	}{
		{name: "defaults", args: nil, check: func(c Config) bool {
			return c.Pairs == 100 && c.Rate == 1 && c.ChargersURL == "ws://127.0.0.1:3100/chargers" && c.Prefix == "lg"
		}},
		{name: "rate run", args: []string{"--pairs", "8000", "--rate", "2", "--duration", "60s", "--pid", "42", "--json"}, check: func(c Config) bool {
			return c.Pairs == 8000 && c.Rate == 2 && c.Duration == time.Minute && c.PID == 42 && c.JSON
		}},
		{name: "closed loop", args: []string{"--closed-loop", "--pairs", "200"}, check: func(c Config) bool { return c.ClosedLoop && c.Pairs == 200 }},
		{name: "idle", args: []string{"--idle", "--pairs", "2000", "--ramp", "1000"}, check: func(c Config) bool { return c.Idle && c.Ramp == 1000 }},
		{name: "api with token", args: []string{"--api", "http://x", "--token", "t"}, check: func(c Config) bool { return c.API == "http://x" && c.Token == "t" }},
		{name: "pairings out", args: []string{"--pairings-out", "p.json"}, check: func(c Config) bool { return c.PairingsOut == "p.json" }},
		{name: "no pairs", args: []string{"--pairs", "0"}, wantErr: true},
		{name: "no rate", args: []string{"--rate", "0"}, wantErr: true},
		{name: "closed and idle", args: []string{"--closed-loop", "--idle"}, wantErr: true},
		{name: "api without token", args: []string{"--api", "http://x", "--token", ""}, wantErr: true},
		{name: "bad prefix", args: []string{"--prefix", "a/b"}, wantErr: true},
		{name: "long prefix", args: []string{"--prefix", "0123456789012345678901234567890123456789012345"}, wantErr: true},
		{name: "ramp too fast", args: []string{"--ramp", "2000000000"}, wantErr: true},
		{name: "stray argument", args: []string{"extra"}, wantErr: true},
		{name: "unknown flag", args: []string{"--nope"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CHARGEBOOTH_STAFF_TOKEN", "")
			got, err := parseFlags(tt.args, io.Discard)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseFlags(%q) error = %v, want error: %v", tt.args, err, tt.wantErr)
			}
			if err == nil && !tt.check(got) {
				t.Errorf("parseFlags(%q) = %+v", tt.args, got)
			}
		})
	}
}

func TestIDs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		prefix        string
		i             int
		charger, want string
	}{
		{prefix: "lg", i: 0, charger: "lgc0001", want: "lgw0001"},
		{prefix: "lg", i: 7999, charger: "lgc8000", want: "lgw8000"},
		{prefix: "x", i: 12344, charger: "xc12345", want: "xw12345"},
	}
	for _, tt := range tests {
		if got := chargerID(tt.prefix, tt.i); got != tt.charger {
			t.Errorf("chargerID(%q, %d) = %q, want %q", tt.prefix, tt.i, got, tt.charger)
		}
		if got := widgetID(tt.prefix, tt.i); got != tt.want {
			t.Errorf("widgetID(%q, %d) = %q, want %q", tt.prefix, tt.i, got, tt.want)
		}
	}
}
