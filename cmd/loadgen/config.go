package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

// Config is what one loadgen run does; main fills it from the flags.
type Config struct {
	ChargersURL string // base URL of the charger endpoint; the id is appended
	WidgetsURL  string // base URL of the widget endpoint; the id is appended
	Pairs       int    // charger–widget pairs
	Prefix      string // id prefix: <prefix>c0001 and <prefix>w0001

	Rate              float64       // readings a second per charger (rate mode)
	Duration          time.Duration // how long readings are sent
	ClosedLoop        bool          // next reading once the last status arrived
	ClosedLoopTimeout time.Duration // closed loop: send anyway after this long
	Idle              bool          // connect, measure memory, send nothing
	NoAck             bool          // send readings without id: the server sends no Ack

	API   string // staff API base URL; pairs are registered there when set
	Token string // staff API bearer token

	PID int // server process to sample from /proc; 0 for none

	Ramp               int           // sockets connected a second; 0 for no limit
	ConnectConcurrency int           // dials in flight at once
	Workers            int           // rate mode: goroutines writing readings
	Settle             time.Duration // wait after connecting, before load or idle RSS
	Grace              time.Duration // wait for late statuses after the load

	PairingsOut string // write the pairings file here and exit
	CPUProfile  string // write loadgen's own CPU profile here
	Timeline    bool   // print each second's deliveries and worst latency to stderr
	GCURL       string // idle: POST here (the server collects its garbage) before each RSS sample
	JSON        bool   // print the result as JSON
	JSONOut     string // also write the result as JSON to this file
	Label       string // profile name in the markdown row
	RowOut      string // append a markdown table row to this file
}

// defaultConfig returns the configuration of a run without flags.
func defaultConfig() Config {
	return Config{
		ChargersURL:        "ws://127.0.0.1:3100/chargers",
		WidgetsURL:         "ws://127.0.0.1:3200/widgets",
		Pairs:              100,
		Prefix:             "lg",
		Rate:               1,
		Duration:           10 * time.Second,
		ClosedLoopTimeout:  2 * time.Second,
		ConnectConcurrency: 64,
		Workers:            16,
		Settle:             500 * time.Millisecond,
		Grace:              5 * time.Second,
	}
}

// parseFlags reads the command line into a Config.
func parseFlags(args []string, stderr io.Writer) (Config, error) {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.ChargersURL, "chargers-url", cfg.ChargersURL, "charger WebSocket base URL (the charger id is appended)")
	fs.StringVar(&cfg.WidgetsURL, "widgets-url", cfg.WidgetsURL, "widget WebSocket base URL (the widget id is appended)")
	fs.IntVar(&cfg.Pairs, "pairs", cfg.Pairs, "charger–widget pairs")
	fs.StringVar(&cfg.Prefix, "prefix", cfg.Prefix, "id prefix: <prefix>c0001 and <prefix>w0001")
	fs.Float64Var(&cfg.Rate, "rate", cfg.Rate, "readings per second per charger")
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "how long readings are sent")
	fs.BoolVar(&cfg.ClosedLoop, "closed-loop", false, "send the next reading only when the widget got the status of the last one")
	fs.DurationVar(&cfg.ClosedLoopTimeout, "closed-loop-timeout", cfg.ClosedLoopTimeout, "closed loop: send the next reading anyway after this long")
	fs.BoolVar(&cfg.NoAck, "no-ack", false, "send readings without an id, so the server answers no Ack (the original protocol)")
	fs.BoolVar(&cfg.Idle, "idle", false, "connect idle chargers and widgets and report the server's RSS per socket (needs --pid)")
	fs.StringVar(&cfg.API, "api", "", "staff API base URL (e.g. http://127.0.0.1:3000); registers the pairs before starting")
	fs.StringVar(&cfg.Token, "token", os.Getenv("CHARGEBOOTH_STAFF_TOKEN"), "staff API token (default $CHARGEBOOTH_STAFF_TOKEN)")
	fs.IntVar(&cfg.PID, "pid", 0, "server process id: sample its RSS and CPU from /proc")
	fs.IntVar(&cfg.Ramp, "ramp", 0, "sockets connected per second (0: as fast as --connect-concurrency allows)")
	fs.IntVar(&cfg.ConnectConcurrency, "connect-concurrency", cfg.ConnectConcurrency, "dials in flight at once")
	fs.IntVar(&cfg.Workers, "workers", cfg.Workers, "rate mode: goroutines writing readings")
	fs.DurationVar(&cfg.Settle, "settle", cfg.Settle, "wait after connecting, before the load or the idle RSS sample")
	fs.DurationVar(&cfg.Grace, "grace", cfg.Grace, "wait this long at most for statuses after the last reading")
	fs.StringVar(&cfg.PairingsOut, "pairings-out", "", "write the pairings JSON for chargebooth serve --pairings to this file, and exit")
	fs.BoolVar(&cfg.JSON, "json", false, "print the result as JSON")
	fs.StringVar(&cfg.JSONOut, "json-out", "", "also write the result as JSON to this file (for loadgen compare)")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write loadgen's own CPU profile to this file")
	fs.StringVar(&cfg.GCURL, "gc-url", "", "idle: POST to this URL, asking the server to collect its garbage and return it to the OS, before the RSS samples before and after connecting (chargebooth --pprof: /debug/gc; the relay: /gc)")
	fs.BoolVar(&cfg.Timeline, "timeline", false, "print each second of the load: readings delivered, how many took 20 ms or more, and the worst latency (to stderr)")
	fs.StringVar(&cfg.Label, "label", "", "profile name for --row-out")
	fs.StringVar(&cfg.RowOut, "row-out", "", "append the result as a markdown table row to this file (header first when new)")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := cfg.validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// maxIDLen is the longest id the protocol allows.
const maxIDLen = 48

// maxRamp is the fastest connect rate --ramp can ask for.
const maxRamp = 1_000_000

// validate checks that the configuration makes a run.
func (cfg Config) validate() error {
	switch {
	case cfg.Pairs < 1:
		return errors.New("--pairs must be at least 1")
	case len(chargerID(cfg.Prefix, cfg.Pairs-1)) > maxIDLen:
		return fmt.Errorf("--prefix %q makes ids longer than %d characters", cfg.Prefix, maxIDLen)
	case !validID(cfg.Prefix):
		return fmt.Errorf("--prefix %q: use only A-Z a-z 0-9 . _ -", cfg.Prefix)
	case cfg.ClosedLoop && cfg.Idle:
		return errors.New("--closed-loop and --idle exclude each other")
	case !cfg.ClosedLoop && !cfg.Idle && !(cfg.Rate > 0):
		return errors.New("--rate must be above 0")
	case !cfg.Idle && cfg.Duration <= 0:
		return errors.New("--duration must be above 0")
	case cfg.ClosedLoop && cfg.ClosedLoopTimeout <= 0:
		return errors.New("--closed-loop-timeout must be above 0")
	case cfg.ConnectConcurrency < 1 || cfg.Workers < 1:
		return errors.New("--connect-concurrency and --workers must be at least 1")
	case cfg.Ramp < 0 || cfg.PID < 0 || cfg.Settle < 0 || cfg.Grace < 0:
		return errors.New("--ramp, --pid, --settle and --grace cannot be negative")
	case cfg.Ramp > maxRamp:
		return fmt.Errorf("--ramp above %d sockets a second: use 0 for no limit", maxRamp)
	case cfg.API != "" && cfg.Token == "":
		return errors.New("--api needs --token (or CHARGEBOOTH_STAFF_TOKEN)")
	}
	return nil
}

// validID reports whether s holds only characters allowed in ids.
func validID(s string) bool {
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// chargerID returns the id of charger i (0-based): <prefix>c0001.
func chargerID(prefix string, i int) string { return fmt.Sprintf("%sc%04d", prefix, i+1) }

// widgetID returns the id of widget i (0-based): <prefix>w0001.
func widgetID(prefix string, i int) string { return fmt.Sprintf("%sw%04d", prefix, i+1) }
