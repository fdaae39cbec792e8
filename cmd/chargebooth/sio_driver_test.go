package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/testkit"
)

var sioDir = filepath.Join("..", "..", "test", "socketio-interop")

// sioReport is one line interop.mjs writes: what a client heard.
type sioReport struct {
	ID        string            `json:"id"`
	Type      string            `json:"type"`
	Event     string            `json:"event"`
	Ref       string            `json:"ref"`
	Args      []json.RawMessage `json:"args"`
	Message   string            `json:"message"`
	Data      json.RawMessage   `json:"data"`
	Reason    string            `json:"reason"`
	Error     string            `json:"error"`
	Recovered bool              `json:"recovered"`
}

// sioDriver runs the npm socket.io-client under the test's control (see
// test/socketio-interop/interop.mjs).
type sioDriver struct {
	tb    testing.TB
	in    io.WriteCloser
	mu    sync.Mutex
	seen  []sioReport
	nrefs int
}

// startSIO starts the Node driver, or fails the test with how to install
// socket.io-client.
func startSIO(tb testing.TB) *sioDriver {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(sioDir, "node_modules", "socket.io-client")); err != nil {
		tb.Fatalf("socket.io-client is not installed: run `make deps-interop` (or `cd test/socketio-interop && npm ci`)")
	}
	cmd := exec.Command("node", "interop.mjs")
	cmd.Dir = sioDir
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start node: %v", err)
	}
	d := &sioDriver{tb: tb, in: in}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var r sioReport
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				tb.Errorf("interop.mjs wrote %q: %v", sc.Text(), err)
				continue
			}
			if r.Type == "error" {
				tb.Errorf("interop.mjs: %s", r.Message)
			}
			d.mu.Lock()
			d.seen = append(d.seen, r)
			d.mu.Unlock()
		}
	}()
	tb.Cleanup(func() {
		d.send(map[string]any{"op": "exit"})
		in.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	return d
}

func (d *sioDriver) send(cmd map[string]any) {
	b, _ := json.Marshal(cmd)
	_, _ = d.in.Write(append(b, '\n'))
}

// connect opens client id at url with socket.io-client's opts.
func (d *sioDriver) connect(id, url string, opts map[string]any) {
	d.send(map[string]any{"op": "connect", "id": id, "url": url, "opts": opts})
}

// connected connects id with the test token and waits for connect.
func (d *sioDriver) connected(id, url string) {
	d.tb.Helper()
	d.connect(id, url, map[string]any{"auth": map[string]any{"token": testToken}})
	d.wait(10*time.Second, func(r sioReport) bool { return r.ID == id && r.Type == "connect" })
}

// emit sends event with args from id and returns the acknowledgement's
// first argument decoded into out (when non-nil).
func (d *sioDriver) emit(id, event string, out any, args ...any) {
	d.tb.Helper()
	d.mu.Lock()
	d.nrefs++
	ref := fmt.Sprintf("r%d", d.nrefs)
	d.mu.Unlock()
	if args == nil {
		args = []any{}
	}
	d.send(map[string]any{"op": "emit", "id": id, "ref": ref, "event": event, "args": args, "ack": true})
	r := d.wait(45*time.Second, func(r sioReport) bool { return r.ID == id && r.Type == "ack" && r.Ref == ref })
	if r.Error != "" {
		d.tb.Fatalf("%s %s: no acknowledgement: %s", id, event, r.Error)
	}
	if out != nil {
		if len(r.Args) == 0 {
			d.tb.Fatalf("%s %s: acknowledged with no argument", id, event)
		}
		if err := json.Unmarshal(r.Args[0], out); err != nil {
			d.tb.Fatalf("%s %s: ack %s: %v", id, event, r.Args[0], err)
		}
	}
}

// wait returns the first report matching f, polling until timeout.
func (d *sioDriver) wait(timeout time.Duration, f func(sioReport) bool) sioReport {
	d.tb.Helper()
	var got sioReport
	testkit.CheckFor(d.tb, timeout, func() error {
		d.mu.Lock()
		defer d.mu.Unlock()
		for _, r := range d.seen {
			if f(r) {
				got = r
				return nil
			}
		}
		return fmt.Errorf("no such report among %d", len(d.seen))
	})
	return got
}

// events returns the events id heard named name (all names when empty).
func (d *sioDriver) events(id, name string) []sioReport {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []sioReport
	for _, r := range d.seen {
		if r.ID == id && r.Type == "event" && (name == "" || r.Event == name) {
			out = append(out, r)
		}
	}
	return out
}

// count returns how many reports match f.
func (d *sioDriver) count(f func(sioReport) bool) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, r := range d.seen {
		if f(r) {
			n++
		}
	}
	return n
}
