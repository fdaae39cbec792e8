package main

import (
	"bytes"
	"encoding/csv"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// sampleComparisons are a rate and an idle profile measured on both systems.
func sampleComparisons() []comparison {
	cb, peer := sampleResults[0], sampleResults[0]
	peer.DeliveredPerSecond, cb.DeliveredPerSecond = 8000, 8000
	peer.Latency.P99Ms = 6
	peer.Server = &ProcStats{PID: "7", RSSMaxBytes: 90 << 20, CPUPercent: 40}
	idlePeer := sampleResults[2]
	idlePeer.Idle = &IdleStats{Sockets: 4000, BytesPerSocket: 5 << 10}
	return []comparison{
		{label: "rate 8000", chargebooth: cb, peer: peer},
		{label: "idle 2000", chargebooth: sampleResults[2], peer: idlePeer},
	}
}

func TestWriteRatioTable(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := writeRatioTable(&buf, sampleComparisons()); err != nil {
		t.Fatalf("writeRatioTable: %v", err)
	}
	out := buf.String()
	for _, want := range []string{
		ratioHeader,
		"| rate 8000 | delivered/s | 8000 | 8000 | 1.00× |\n",
		"|  | p99 ms | 12.00 | 6.00 | 2.00× |\n",
		"|  | server RSS max MiB | 180.0 | 90.0 | 2.00× |\n",
		"|  | lost | 0 | 0 | – |\n",
		"| idle 2000 | RSS per socket KiB | 10.0 | 5.0 | 2.00× |\n",
		"|  | server RSS max MiB | – | – | – |\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestWriteStepsTable(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := writeStepsTable(&buf, sampleComparisons()[:1]); err != nil {
		t.Fatalf("writeStepsTable: %v", err)
	}
	want := stepsHeader + "| 8000 | 8000 / 8000 | 12.00 | 6.00 | 2.00× | 180.0 | 90.0 | 2.00× | 0 / 0 |\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestWriteCSV(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := writeCSV(&buf, sampleComparisons()); err != nil {
		t.Fatalf("writeCSV: %v", err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if got, want := len(rows), 3; got != want {
		t.Fatalf("got %d rows, want %d", got, want)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for name, want := range map[string]string{
		"label": "rate 8000", "pairs": "8000", "chargebooth_p99_ms": "12.000", "relay_p99_ms": "6.000",
		"chargebooth_rss_mib": "180.000", "relay_rss_mib": "90.000", "relay_lost": "0",
	} {
		i, ok := col[name]
		if !ok {
			t.Errorf("no column %q in %v", name, rows[0])
			continue
		}
		if got := rows[1][i]; got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
}

func TestRunCompare(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmps := sampleComparisons()
	var args []string
	for i, c := range cmps[:1] {
		cb, peer := filepath.Join(dir, "cb.json"), filepath.Join(dir, "peer.json")
		c.chargebooth.Label = c.label
		if err := writeResultFile(cb, c.chargebooth); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if err := writeResultFile(peer, c.peer); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		args = append(args, cb, peer)
	}
	csvPath := filepath.Join(dir, "out.csv")
	var stdout, stderr bytes.Buffer
	if code := runCompare(append([]string{"--csv", csvPath}, args...), &stdout, &stderr); code != 0 {
		t.Fatalf("got exit %d, want 0: %s", code, stderr.String())
	}
	if want := "| rate 8000 | delivered/s |"; !strings.Contains(stdout.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, stdout.String())
	}
	stdout.Reset()
	if code := runCompare(append([]string{"--steps"}, args...), &stdout, &stderr); code != 0 {
		t.Fatalf("--steps: got exit %d, want 0: %s", code, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), stepsHeader) {
		t.Errorf("--steps output lacks its header:\n%s", stdout.String())
	}
	if code := runCompare(args[:1], io.Discard, io.Discard); code != 2 {
		t.Errorf("odd file count: got exit %d, want 2", code)
	}
	if code := runCompare([]string{filepath.Join(dir, "none.json"), filepath.Join(dir, "none.json")}, io.Discard, io.Discard); code != 1 {
		t.Errorf("missing files: got exit %d, want 1", code)
	}
}
