package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run is the whole command; it returns the exit code.
func run(args []string) int {
	if len(args) > 0 && args[0] == "compare" {
		return runCompare(args[1:], os.Stdout, os.Stderr)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg, err := parseFlags(args, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		return 2
	}
	if cfg.PairingsOut != "" {
		if err := writePairingsFile(cfg.PairingsOut, cfg.Prefix, cfg.Pairs); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			return 1
		}
		return 0
	}
	if limit, err := raiseFileLimit(); err != nil {
		log.Warn("open-file limit", "err", err)
	} else if need := uint64(2*cfg.Pairs + 64); limit < need {
		log.Warn("open-file limit below the sockets needed", "limit", limit, "need", need)
	}
	if cfg.Idle && cfg.PID == 0 {
		log.Warn("--idle without --pid connects the sockets but cannot measure the server's memory")
	}

	if cfg.CPUProfile != "" {
		stopProfile, err := startCPUProfile(cfg.CPUProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			return 1
		}
		defer stopProfile()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := Run(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		return 1
	}
	if cfg.JSON {
		err = writeJSON(os.Stdout, res)
	} else {
		err = writeTable(os.Stdout, res)
	}
	if err == nil && cfg.RowOut != "" {
		err = appendRow(cfg.RowOut, res)
	}
	if err == nil && cfg.JSONOut != "" {
		err = writeResultFile(cfg.JSONOut, res)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		return 1
	}
	return 0
}

// startCPUProfile profiles loadgen itself into path until the returned
// function is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("start cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
