package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tinyCSV is a scaling run of three steps, as loadgen compare --csv writes it.
const tinyCSV = `label,pairs,chargebooth_delivered_per_s,relay_delivered_per_s,chargebooth_p50_ms,relay_p50_ms,chargebooth_p99_ms,relay_p99_ms,chargebooth_max_ms,relay_max_ms,chargebooth_rss_mib,relay_rss_mib,chargebooth_lost,relay_lost
rate 1000,1000,1000.000,1000.000,0.800,0.200,5.000,2.000,20.000,9.000,120.000,80.000,0,0
rate 3000,3000,3000.000,3000.000,0.900,0.200,9.000,3.000,40.000,12.000,220.000,110.000,0,0
rate 5000,5000,5000.000,5000.000,1.000,0.300,20.000,5.000,90.000,20.000,330.000,140.000,0,0
`

func TestChartFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "scaling.csv"), filepath.Join(dir, "scaling.png")
	if err := os.WriteFile(in, []byte(tinyCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if code := run([]string{"--csv", in, "--out", out, "--title", "test"}, &stderr); code != 0 {
		t.Fatalf("got exit %d, want 0: %s", code, stderr.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode png: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 600 || b.Dy() < 200 {
		t.Errorf("got a %v image, want at least 600×200", b)
	}
}

func TestReadSeries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, csv, wantErr string
	}{
		{name: "tiny", csv: tinyCSV},
		{name: "header only", csv: strings.SplitN(tinyCSV, "\n", 2)[0] + "\n", wantErr: "no data rows"},
		{name: "missing column", csv: "pairs,chargebooth_p99_ms\n1,2\n", wantErr: "no column"},
		{name: "not a number", csv: strings.Replace(tinyCSV, ",5.000,2.000,", ",x,2.000,", 1), wantErr: "row 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := readSeries(strings.NewReader(tt.csv))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("readSeries: %v", err)
			}
			if got, want := len(s.pairs), 3; got != want {
				t.Fatalf("got %d points, want %d", got, want)
			}
			if got, want := s.relayRSS[2], 140.0; got != want {
				t.Errorf("relay RSS at 5000: got %v, want %v", got, want)
			}
		})
	}
}

func TestRunUsage(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	if code := run(nil, &stderr); code != 2 {
		t.Errorf("no --csv: got exit %d, want 2", code)
	}
	if code := run([]string{"--csv", filepath.Join(t.TempDir(), "none.csv")}, &stderr); code != 1 {
		t.Errorf("missing csv: got exit %d, want 1", code)
	}
}

// FuzzReadSeries feeds the CSV reader anything; it must fail cleanly or
// return columns of one length.
func FuzzReadSeries(f *testing.F) {
	f.Add(tinyCSV)
	f.Add("pairs,chargebooth_p99_ms,relay_p99_ms,chargebooth_rss_mib,relay_rss_mib\n1,2,3,4,5\n")
	f.Add("pairs\n\"1\n")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := readSeries(strings.NewReader(in))
		if err != nil {
			return
		}
		n := len(s.pairs)
		for _, col := range [][]float64{s.chargeboothP99, s.relayP99, s.chargeboothRSS, s.relayRSS} {
			if len(col) != n {
				t.Fatalf("columns of %d and %d values", n, len(col))
			}
		}
	})
}
