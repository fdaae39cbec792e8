package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
)

// writeTable prints res as a table for people.
func writeTable(w io.Writer, res Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(name, format string, args ...any) {
		fmt.Fprintf(tw, "%s\t%s\n", name, fmt.Sprintf(format, args...))
	}
	head := fmt.Sprintf("%s, %d pairs (%d connected)", res.Mode, res.Pairs, res.ActivePairs)
	if res.Label != "" {
		head = res.Label + ": " + head
	}
	if res.Mode == "rate" {
		head += fmt.Sprintf(", %g/s per charger", res.RatePerCharger)
	}
	line("loadgen", "%s", head)
	line("connect", "%.1f s, %d errors", res.ConnectSeconds, res.ConnectErrors)
	if res.Mode != "idle" {
		line("load", "%.1f s", res.DurationSeconds)
		line("sent", "%d (%.0f/s)", res.Sent, res.SentPerSecond)
		line("delivered", "%d (%.0f/s)", res.Delivered, res.DeliveredPerSecond)
		line("acked", "%d", res.Acked)
		line("lost", "%d", res.Lost)
		line("unexpected status", "%d wrong, %d extra (%d on-connect ignored)", res.Unexpected, res.Extra, res.InitialStatuses)
		l := res.Latency
		line("latency ms", "p50 %.2f  p95 %.2f  p99 %.2f  max %.2f  mean %.2f  (%d samples)",
			l.P50Ms, l.P95Ms, l.P99Ms, l.MaxMs, l.MeanMs, l.Samples)
	}
	line("server errors", "%d%s", res.ServerErrors, formatCodes(res.ErrorCodes))
	line("disconnects", "%d (write errors %d, bad frames %d)", res.Disconnects, res.WriteErrors, res.BadFrames)
	if res.Server != nil {
		line("server pid "+res.Server.PID, "%s", formatProc(res.Server, res.Mode != "idle"))
	}
	if res.Loadgen != nil {
		line("loadgen", "%s", formatProc(res.Loadgen, res.Mode != "idle"))
	}
	if res.Idle != nil {
		line("idle", "%d sockets, server RSS %+.1f MiB, %.1f KiB per socket",
			res.Idle.Sockets, float64(res.Idle.RSSDeltaBytes)/(1<<20), res.Idle.BytesPerSocket/1024)
	}
	return tw.Flush()
}

// formatProc describes what was sampled of one process; the end RSS and the
// CPU only when there was a load.
func formatProc(p *ProcStats, loaded bool) string {
	s := fmt.Sprintf("RSS %s before, %s connected, %s max", mib(p.RSSBeforeBytes), mib(p.RSSConnectedBytes), mib(p.RSSMaxBytes))
	if loaded {
		s += fmt.Sprintf(", %s end; CPU %.1f s (%.0f%% of a core)", mib(p.RSSEndBytes), p.CPUSeconds, p.CPUPercent)
	}
	if p.Error != "" {
		s += "; " + p.Error
	}
	return s
}

// formatCodes lists error counts by code, sorted by code.
func formatCodes(codes map[string]uint64) string {
	if len(codes) == 0 {
		return ""
	}
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(codes)) {
		parts = append(parts, fmt.Sprintf("%s %d", code, codes[code]))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// mib formats bytes in MiB.
func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// writeJSON prints res as indented JSON.
func writeJSON(w io.Writer, res Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	return nil
}

// markdownHeader is the head of the table markdownRow writes rows of.
const markdownHeader = "| profile | mode | pairs | sent/s | delivered/s | p50 ms | p95 ms | p99 ms | max ms | lost | unexpected | errors | server RSS max | server CPU | RSS/socket |\n" +
	"|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"

// markdownRow returns res as one row of the markdown table; errors are
// connect errors, Error frames and disconnects together.
func markdownRow(res Result) string {
	dash := "–"
	rss, cpu, perSocket := dash, dash, dash
	if res.Server != nil {
		rss = mib(res.Server.RSSMaxBytes)
		if res.Mode != "idle" {
			cpu = fmt.Sprintf("%.0f%%", res.Server.CPUPercent)
		}
	}
	if res.Idle != nil && res.Idle.BytesPerSocket != 0 {
		perSocket = fmt.Sprintf("%.1f KiB", res.Idle.BytesPerSocket/1024)
	}
	cells := []string{res.Label, res.Mode, fmt.Sprint(res.ActivePairs)}
	if res.Mode == "idle" {
		cells = append(cells, dash, dash, dash, dash, dash, dash, dash, dash)
	} else {
		l := res.Latency
		cells = append(cells,
			fmt.Sprintf("%.0f", res.SentPerSecond), fmt.Sprintf("%.0f", res.DeliveredPerSecond),
			fmt.Sprintf("%.2f", l.P50Ms), fmt.Sprintf("%.2f", l.P95Ms), fmt.Sprintf("%.2f", l.P99Ms), fmt.Sprintf("%.2f", l.MaxMs),
			fmt.Sprint(res.Lost), fmt.Sprint(res.Unexpected+res.Extra))
	}
	cells = append(cells, fmt.Sprint(res.ConnectErrors+res.ServerErrors+res.Disconnects), rss, cpu, perSocket)
	return "| " + strings.Join(cells, " | ") + " |\n"
}

// appendRow appends res as a markdown row to path, after the header when
// the file is new or empty.
func appendRow(path string, res Result) (err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("open row file: %w", err)
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat row file: %w", err)
	}
	row := markdownRow(res)
	if info.Size() == 0 {
		row = markdownHeader + row
	}
	if _, err := f.WriteString(row); err != nil {
		return fmt.Errorf("write row: %w", err)
	}
	return nil
}
