package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// comparison is one profile measured on both systems: chargebooth first,
// the relay peer second.
type comparison struct {
	label             string
	chargebooth, peer Result
}

// runCompare is `loadgen compare [--csv FILE] CB.json PEER.json …`: it reads
// results written by --json-out in pairs (chargebooth, then the relay) and
// prints one markdown table with both figures and their ratio; --csv also
// writes the pairs as CSV rows, one per pair, for the scaling chart.
func runCompare(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadgen compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	csvOut := fs.String("csv", "", "also write one CSV row per pair of results to this file")
	steps := fs.Bool("steps", false, "print one row per pair of results (pairs, p99, RSS, lost), as for the scaling steps")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: loadgen compare [--steps] [--csv FILE] CHARGEBOOTH.json RELAY.json [CHARGEBOOTH.json RELAY.json …]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 || fs.NArg()%2 != 0 {
		fs.Usage()
		return 2
	}
	cmps, err := readComparisons(fs.Args())
	if err == nil && *steps {
		err = writeStepsTable(stdout, cmps)
	} else if err == nil {
		err = writeRatioTable(stdout, cmps)
	}
	if err == nil && *csvOut != "" {
		err = writeCSVFile(*csvOut, cmps)
	}
	if err != nil {
		fmt.Fprintln(stderr, "loadgen compare:", err)
		return 1
	}
	return 0
}

// readComparisons reads the result files in pairs.
func readComparisons(paths []string) ([]comparison, error) {
	var cmps []comparison
	for i := 0; i+1 < len(paths); i += 2 {
		cb, err := readResult(paths[i])
		if err != nil {
			return nil, err
		}
		peer, err := readResult(paths[i+1])
		if err != nil {
			return nil, err
		}
		label := cb.Label
		if label == "" {
			label = fmt.Sprintf("%s %d pairs", cb.Mode, cb.Pairs)
		}
		cmps = append(cmps, comparison{label: label, chargebooth: cb, peer: peer})
	}
	return cmps, nil
}

// readResult reads one result written by --json-out.
func readResult(path string) (Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Result{}, fmt.Errorf("read result: %w", err)
	}
	var res Result
	if err := json.Unmarshal(b, &res); err != nil {
		return Result{}, fmt.Errorf("decode result %s: %w", path, err)
	}
	return res, nil
}

// writeResultFile writes res as JSON to path.
func writeResultFile(path string, res Result) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write result: %w", err)
	}
	return nil
}

// metric is one figure of a result, with how it is printed.
type metric struct {
	name   string
	value  func(Result) (float64, bool) // false: not measured
	format string
	ratio  bool // print chargebooth ÷ relay
}

// rssMax is the server's largest sampled RSS in MiB.
func rssMax(r Result) (float64, bool) {
	if r.Server == nil || r.Server.RSSMaxBytes == 0 {
		return 0, false
	}
	return float64(r.Server.RSSMaxBytes) / (1 << 20), true
}

// loadMetrics are the figures compared for a run with readings.
var loadMetrics = []metric{
	{name: "delivered/s", value: func(r Result) (float64, bool) { return r.DeliveredPerSecond, true }, format: "%.0f", ratio: true},
	{name: "p50 ms", value: func(r Result) (float64, bool) { return r.Latency.P50Ms, r.Latency.Samples > 0 }, format: "%.2f", ratio: true},
	{name: "p95 ms", value: func(r Result) (float64, bool) { return r.Latency.P95Ms, r.Latency.Samples > 0 }, format: "%.2f", ratio: true},
	{name: "p99 ms", value: func(r Result) (float64, bool) { return r.Latency.P99Ms, r.Latency.Samples > 0 }, format: "%.2f", ratio: true},
	{name: "max ms", value: func(r Result) (float64, bool) { return r.Latency.MaxMs, r.Latency.Samples > 0 }, format: "%.2f", ratio: true},
	{name: "server RSS max MiB", value: rssMax, format: "%.1f", ratio: true},
	{name: "server CPU % of a core", value: func(r Result) (float64, bool) {
		return cpuPercent(r)
	}, format: "%.0f", ratio: true},
	{name: "lost", value: func(r Result) (float64, bool) { return float64(r.Lost), true }, format: "%.0f"},
	{name: "errors", value: func(r Result) (float64, bool) {
		return float64(r.ConnectErrors + r.ServerErrors + r.Disconnects + r.Unexpected + r.Extra), true
	}, format: "%.0f"},
}

// idleMetrics are the figures compared for an idle run.
var idleMetrics = []metric{
	{name: "RSS per socket KiB", value: func(r Result) (float64, bool) {
		if r.Idle == nil || r.Idle.Sockets == 0 {
			return 0, false
		}
		return r.Idle.BytesPerSocket / 1024, true
	}, format: "%.1f", ratio: true},
	{name: "server RSS max MiB", value: rssMax, format: "%.1f", ratio: true},
	{name: "errors", value: func(r Result) (float64, bool) {
		return float64(r.ConnectErrors + r.ServerErrors + r.Disconnects), true
	}, format: "%.0f"},
}

// cpuPercent is the server's CPU during the load in % of one core.
func cpuPercent(r Result) (float64, bool) {
	if r.Server == nil {
		return 0, false
	}
	return r.Server.CPUPercent, true
}

// ratioHeader is the head of the table writeRatioTable prints.
const ratioHeader = "| profile | figure | chargebooth | relay | chargebooth ÷ relay |\n|---|---|---:|---:|---:|\n"

// writeRatioTable prints every comparison as rows of one markdown table:
// each figure of both systems and, where it means something, their ratio.
func writeRatioTable(w io.Writer, cmps []comparison) error {
	var b strings.Builder
	b.WriteString(ratioHeader)
	for _, c := range cmps {
		metrics := loadMetrics
		if c.chargebooth.Mode == "idle" {
			metrics = idleMetrics
		}
		for i, m := range metrics {
			label := ""
			if i == 0 {
				label = c.label
			}
			cb, okCB := m.value(c.chargebooth)
			peer, okPeer := m.value(c.peer)
			ratio := "–"
			if m.ratio && okCB && okPeer && peer != 0 {
				ratio = fmt.Sprintf("%.2f×", cb/peer)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", label, m.name,
				formatFigure(m.format, cb, okCB), formatFigure(m.format, peer, okPeer), ratio)
		}
	}
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("write ratio table: %w", err)
	}
	return nil
}

// stepsHeader is the head of the table writeStepsTable prints.
const stepsHeader = "| pairs | delivered/s (chargebooth / relay) | p99 ms chargebooth | p99 ms relay | ratio | RSS MiB chargebooth | RSS MiB relay | ratio | lost (chargebooth / relay) |\n" +
	"|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"

// writeStepsTable prints one row per comparison: the load, both systems'
// p99 and RSS with their ratios, and what was lost.
func writeStepsTable(w io.Writer, cmps []comparison) error {
	var b strings.Builder
	b.WriteString(stepsHeader)
	ratio := func(cb, peer float64, ok bool) string {
		if !ok || peer == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f×", cb/peer)
	}
	for _, c := range cmps {
		cb, peer := c.chargebooth, c.peer
		cbRSS, okCB := rssMax(cb)
		peerRSS, okPeer := rssMax(peer)
		fmt.Fprintf(&b, "| %d | %.0f / %.0f | %.2f | %.2f | %s | %s | %s | %s | %d / %d |\n",
			cb.Pairs, cb.DeliveredPerSecond, peer.DeliveredPerSecond,
			cb.Latency.P99Ms, peer.Latency.P99Ms, ratio(cb.Latency.P99Ms, peer.Latency.P99Ms, true),
			formatFigure("%.1f", cbRSS, okCB), formatFigure("%.1f", peerRSS, okPeer), ratio(cbRSS, peerRSS, okCB && okPeer),
			cb.Lost, peer.Lost)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write steps table: %w", err)
	}
	return nil
}

// formatFigure prints v, or a dash when it was not measured.
func formatFigure(format string, v float64, ok bool) string {
	if !ok {
		return "–"
	}
	return fmt.Sprintf(format, v)
}

// csvHeader names the columns writeCSV writes; the chart reads them by name.
var csvHeader = []string{
	"label", "pairs",
	"chargebooth_delivered_per_s", "relay_delivered_per_s",
	"chargebooth_p50_ms", "relay_p50_ms",
	"chargebooth_p99_ms", "relay_p99_ms",
	"chargebooth_max_ms", "relay_max_ms",
	"chargebooth_rss_mib", "relay_rss_mib",
	"chargebooth_lost", "relay_lost",
}

// writeCSV writes one row per comparison under csvHeader.
func writeCSV(w io.Writer, cmps []comparison) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
	for _, c := range cmps {
		cbRSS, _ := rssMax(c.chargebooth)
		peerRSS, _ := rssMax(c.peer)
		row := []string{
			c.label, strconv.Itoa(c.chargebooth.Pairs),
			f(c.chargebooth.DeliveredPerSecond), f(c.peer.DeliveredPerSecond),
			f(c.chargebooth.Latency.P50Ms), f(c.peer.Latency.P50Ms),
			f(c.chargebooth.Latency.P99Ms), f(c.peer.Latency.P99Ms),
			f(c.chargebooth.Latency.MaxMs), f(c.peer.Latency.MaxMs),
			f(cbRSS), f(peerRSS),
			strconv.FormatUint(c.chargebooth.Lost, 10), strconv.FormatUint(c.peer.Lost, 10),
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// writeCSVFile writes the comparisons as CSV to path.
func writeCSVFile(path string, cmps []comparison) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create csv: %w", err)
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	return writeCSV(f, cmps)
}
