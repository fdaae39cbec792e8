package main

import (
	"io"
	"log/slog"
	"testing"
	"time"
)

// checkFor calls check until it returns nil or timeout passes, then fails
// the test with the last error.
func checkFor(tb testing.TB, timeout, every time.Duration, check func() error) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("after %v: %v", timeout, err)
		}
		time.Sleep(every)
	}
}

// quietLog is a logger for tests that discards everything.
func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
