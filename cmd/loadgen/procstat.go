package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/PID/stat. It is
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// procSample is one reading of a process's memory and CPU from /proc.
type procSample struct {
	rssBytes uint64
	cpuTicks uint64 // user + system, in clockTicks
}

// readProc samples process pid ("self" for loadgen itself) from
// /proc/PID/status and /proc/PID/stat.
func readProc(pid string) (procSample, error) {
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return procSample{}, fmt.Errorf("read status of %s: %w", pid, err)
	}
	rss, err := parseVmRSS(status)
	if err != nil {
		return procSample{}, fmt.Errorf("status of %s: %w", pid, err)
	}
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return procSample{}, fmt.Errorf("read stat of %s: %w", pid, err)
	}
	ticks, err := parseCPUTicks(stat)
	if err != nil {
		return procSample{}, fmt.Errorf("stat of %s: %w", pid, err)
	}
	return procSample{rssBytes: rss, cpuTicks: ticks}, nil
}

// parseVmRSS returns the resident set size in bytes from the text of
// /proc/PID/status (the line "VmRSS:   1234 kB").
func parseVmRSS(status []byte) (uint64, error) {
	for line := range bytes.Lines(status) {
		rest, ok := bytes.CutPrefix(line, []byte("VmRSS:"))
		if !ok {
			continue
		}
		fields := bytes.Fields(rest)
		if len(fields) != 2 || string(fields[1]) != "kB" {
			return 0, fmt.Errorf("malformed VmRSS line %q", bytes.TrimSpace(line))
		}
		kb, err := strconv.ParseUint(string(fields[0]), 10, 64)
		if err != nil || kb > 1<<50 {
			return 0, fmt.Errorf("malformed VmRSS value %q", fields[0])
		}
		return kb * 1024, nil
	}
	return 0, errors.New("no VmRSS line")
}

// parseCPUTicks returns utime + stime (fields 14 and 15) from the text of
// /proc/PID/stat. The command name (field 2) may hold spaces and
// parentheses, so the fields are counted from the last ')'.
func parseCPUTicks(stat []byte) (uint64, error) {
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, errors.New("no command name")
	}
	// After ')' come field 3 (state) onwards; utime is field 14.
	fields := bytes.Fields(stat[end+1:])
	const utime, stime = 14 - 3, 15 - 3
	if len(fields) <= stime {
		return 0, fmt.Errorf("%d fields after the command name, want at least %d", len(fields), stime+1)
	}
	u, err := strconv.ParseUint(string(fields[utime]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("utime: %w", err)
	}
	s, err := strconv.ParseUint(string(fields[stime]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("stime: %w", err)
	}
	return u + s, nil
}
