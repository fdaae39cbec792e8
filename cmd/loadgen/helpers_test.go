package main

import (
	"io"
	"log/slog"
)

// quietLog is a logger for tests that discards everything.
func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
