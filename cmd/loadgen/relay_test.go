package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// relayDir is the benchmark's relay peer, from this package.
const relayDir = "../../scripts/bench/relay"

// relayPorts is the ready line of the relay.
var relayPorts = regexp.MustCompile(`http=(\d+) chargers=(\d+) widgets=(\d+)`)

// benchRelay is a running relay peer.
type benchRelay struct {
	cmd                     *exec.Cmd
	http, chargers, widgets string
}

// startRelay runs the relay peer on free ports with the given extra
// arguments; it skips the test when Node or the relay's ws package (npm ci
// in scripts/bench/relay, which `make bench` runs) is not there.
func startRelay(tb testing.TB, args ...string) *benchRelay {
	tb.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		tb.Skip("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(relayDir, "node_modules", "ws")); err != nil {
		tb.Skip("the relay's ws is not installed (npm ci in scripts/bench/relay)")
	}
	cmd := exec.Command(node, append([]string{filepath.Join(relayDir, "relay.mjs"),
		"--http-port", "0", "--charger-port", "0", "--widget-port", "0"}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start relay: %v", err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		tb.Fatalf("relay ready line: %v", err)
	}
	m := relayPorts.FindStringSubmatch(line)
	if m == nil {
		tb.Fatalf("relay ready line %q names no ports", line)
	}
	return &benchRelay{cmd: cmd, http: m[1], chargers: m[2], widgets: m[3]}
}

// config returns a short run against the relay, sampling its process.
func (r *benchRelay) config(pairs int) Config {
	cfg := defaultConfig()
	cfg.ChargersURL = "ws://127.0.0.1:" + r.chargers + "/chargers"
	cfg.WidgetsURL = "ws://127.0.0.1:" + r.widgets + "/widgets"
	cfg.Pairs = pairs
	cfg.Rate = 50
	cfg.Duration = 200 * time.Millisecond
	cfg.Settle = 20 * time.Millisecond
	cfg.Grace = time.Second
	cfg.ClosedLoopTimeout = 100 * time.Millisecond
	cfg.PID = r.cmd.Process.Pid
	return cfg
}

func TestRunAgainstRelay(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "pairings.json")
	if err := writePairingsFile(file, "pf", 4); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		prefix string
		api    bool
		closed bool
	}{
		{name: "pairings file", args: []string{"--pairings", file}, prefix: "pf"},
		{name: "pairing API", prefix: "api", api: true},
		{name: "id suffix, closed loop", prefix: "sx", closed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := startRelay(t, tt.args...)
			cfg := r.config(4)
			cfg.Prefix, cfg.ClosedLoop = tt.prefix, tt.closed
			if tt.api {
				cfg.API, cfg.Token = "http://127.0.0.1:"+r.http, "bench"
			}
			res, err := Run(context.Background(), cfg, quietLog())
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got, want := res.ActivePairs, 4; got != want {
				t.Errorf("active pairs = %d, want %d", got, want)
			}
			if res.Sent == 0 || res.Delivered != res.Sent || res.Acked != res.Sent {
				t.Errorf("sent %d, delivered %d, acked %d: want all equal and above 0", res.Sent, res.Delivered, res.Acked)
			}
			for name, n := range map[string]uint64{"lost": res.Lost, "unexpected": res.Unexpected + res.Extra,
				"server errors": res.ServerErrors, "disconnects": res.Disconnects} {
				if n != 0 {
					t.Errorf("%s = %d, want 0", name, n)
				}
			}
			if res.Server == nil || res.Server.RSSMaxBytes == 0 {
				t.Errorf("relay RSS not sampled: %+v", res.Server)
			}
			if res.Server != nil && res.Server.PID != fmt.Sprint(r.cmd.Process.Pid) {
				t.Errorf("sampled pid %s, want the relay's %d", res.Server.PID, r.cmd.Process.Pid)
			}
		})
	}
}
