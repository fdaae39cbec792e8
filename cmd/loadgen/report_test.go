package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sampleResults are results of each mode, for the report tests.
var sampleResults = []Result{
	{Mode: "rate", Label: "a", Pairs: 8000, ActivePairs: 8000, RatePerCharger: 1, Sent: 480000, Delivered: 480000,
		Latency:      LatencyStats{Samples: 480000, P50Ms: 0.5, P95Ms: 2, P99Ms: 12, MaxMs: 40},
		ServerErrors: 2, ErrorCodes: map[string]uint64{"rate_limited": 2},
		Server: &ProcStats{PID: "42", RSSMaxBytes: 180 << 20, CPUPercent: 80}},
	{Mode: "closed-loop", Label: "b", Pairs: 200, ActivePairs: 200, Sent: 700000, Delivered: 699999, Lost: 1},
	{Mode: "idle", Label: "c", Pairs: 2000, ActivePairs: 2000, Server: &ProcStats{PID: "42"},
		Idle: &IdleStats{Sockets: 4000, RSSDeltaBytes: 40 << 20, BytesPerSocket: 10 << 10}},
}

func TestWriteTable(t *testing.T) {
	t.Parallel()
	for _, res := range sampleResults {
		t.Run(res.Mode, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := writeTable(&buf, res); err != nil {
				t.Fatalf("writeTable: %v", err)
			}
			for _, want := range []string{res.Mode, "server errors"} {
				if !strings.Contains(buf.String(), want) {
					t.Errorf("table lacks %q:\n%s", want, buf.String())
				}
			}
		})
	}
}

func TestWriteJSONRoundTrip(t *testing.T) {
	t.Parallel()
	for _, res := range sampleResults {
		var buf bytes.Buffer
		if err := writeJSON(&buf, res); err != nil {
			t.Fatalf("writeJSON: %v", err)
		}
		var got Result
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatalf("decode JSON: %v", err)
		}
		if got.Sent != res.Sent || got.Lost != res.Lost || got.Latency != res.Latency {
			t.Errorf("round trip = %+v, want %+v", got, res)
		}
	}
}

func TestAppendRow(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "rows.md")
	for _, res := range sampleResults {
		if err := appendRow(path, res); err != nil {
			t.Fatalf("appendRow: %v", err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if got, want := len(lines), 2+len(sampleResults); got != want {
		t.Fatalf("%d lines, want %d:\n%s", got, want, b)
	}
	cols := strings.Count(lines[0], "|")
	for _, l := range lines[1:] {
		if got := strings.Count(l, "|"); got != cols {
			t.Errorf("row %q has %d bars, header %d", l, got, cols)
		}
	}
	if !strings.Contains(lines[4], "10.0 KiB") {
		t.Errorf("idle row %q lacks the RSS per socket", lines[4])
	}
}
