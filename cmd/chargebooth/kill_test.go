package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/chargebooth/chargebooth/projections/runtime"
	"github.com/gorilla/websocket"
)

// built holds one build per package per test run.
var built sync.Map // package path → *build

type build struct {
	once sync.Once
	path string
	err  error
}

// goBuild builds pkg into a temporary binary named name, once per run.
func goBuild(tb testing.TB, pkg, name string) string {
	tb.Helper()
	v, _ := built.LoadOrStore(pkg, &build{})
	b := v.(*build)
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "chargebooth-bin")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, name)
		if out, err := exec.Command("go", "build", "-o", b.path, pkg).CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	})
	if b.err != nil {
		tb.Fatal(b.err)
	}
	return b.path
}

// buildBinary builds chargebooth once per test run.
func buildBinary(tb testing.TB) string {
	tb.Helper()
	return goBuild(tb, ".", "chargebooth")
}

// proc is a chargebooth server running as a child process.
type proc struct {
	cmd                         *exec.Cmd
	out                         *testkit.SyncBuffer
	charger, widget, http, nats string
}

var bannerRE = map[string]*regexp.Regexp{
	"charger": regexp.MustCompile(`chargers\s+ws://(\S+)/chargers/`),
	"widget":  regexp.MustCompile(`widgets\s+ws://(\S+)/widgets/`),
	"http":    regexp.MustCompile(`metrics\s+http://(\S+)/metrics`),
	"nats":    regexp.MustCompile(`NATS\s+(nats://\S+)`),
}

func startProc(tb testing.TB, dir string, extra ...string) *proc {
	tb.Helper()
	return startProcBin(tb, buildBinary(tb), dir, extra...)
}

// startProcBin starts the server binary bin as a child process on dir;
// extra flags come after the defaults and override them.
func startProcBin(tb testing.TB, bin, dir string, extra ...string) *proc {
	tb.Helper()
	args := append([]string{"serve", "--data-dir", dir, "--nats-listen", "127.0.0.1:-1",
		"--charger-addr", "127.0.0.1:0", "--widget-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--staff-token", testToken, "--instance", "k", "--log-level", "warn",
		"--devices", "open", "--new-chargers-per-minute", "0", "--max-unenrolled", "0"}, extra...)
	cmd := exec.Command(bin, args...)
	p := &proc{cmd: cmd, out: &testkit.SyncBuffer{}}
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = p.out
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := map[string]string{}
	lines := bufio.NewScanner(stdout)
	deadline := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
	for len(found) < len(bannerRE) && lines.Scan() {
		p.out.Write(append(lines.Bytes(), '\n'))
		for k, re := range bannerRE {
			if m := re.FindStringSubmatch(lines.Text()); m != nil {
				found[k] = m[1]
			}
		}
	}
	deadline.Stop()
	go func() { _, _ = io.Copy(p.out, stdout) }()
	if len(found) < len(bannerRE) {
		tb.Fatalf("server did not start:\n%s", p.out.String())
	}
	p.charger, p.widget, p.http, p.nats = found["charger"], found["widget"], found["http"], found["nats"]
	waitReady(tb, "http://"+p.http)
	return p
}

func (p *proc) kill9(tb testing.TB) {
	tb.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
}

func (p *proc) stop(tb testing.TB) {
	tb.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		tb.Fatalf("server did not stop on SIGTERM:\n%s", p.out.String())
	}
}

// ackingCharger sends readings with ids and records the acks.
type ackingCharger struct {
	mu    sync.Mutex
	acked map[string]bool
}

func (a *ackingCharger) isAcked(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.acked[id]
}

func (a *ackingCharger) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.acked)
}

// stream sends readings ids[from:] on a new socket until the socket dies
// or all are sent; acks are collected in the background.
func (a *ackingCharger) stream(url string, ids []string, socs []int, skip func(string) bool) (sent int) {
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		return 0
	}
	defer ws.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, b, err := ws.ReadMessage()
			if err != nil {
				return
			}
			var f frame
			if json.Unmarshal(b, &f) == nil && f.Event == "Ack" {
				a.mu.Lock()
				a.acked[f.Data.ID] = true
				a.mu.Unlock()
			}
		}
	}()
	pace := time.NewTicker(2 * time.Millisecond) // a charger sending steadily while it is killed
	defer pace.Stop()
	var want []string
	for i, id := range ids {
		if skip(id) {
			continue
		}
		msg := fmt.Sprintf(`{"event":"StateOfCharge","id":%q,"data":{"soc":%d}}`, id, socs[i])
		if ws.WriteMessage(websocket.TextMessage, []byte(msg)) != nil {
			return sent
		}
		sent++
		want = append(want, id)
		<-pace.C
	}
	// Every reading sent is acknowledged, or the socket dies first.
	_ = testkit.Poll(5*time.Second, testkit.Every, func() error {
		select {
		case <-done:
			return nil
		default:
		}
		for _, id := range want {
			if !a.isAcked(id) {
				return errors.New("acks outstanding")
			}
		}
		return nil
	})
	return sent
}

func TestKill9LosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a server process")
	}
	dir := t.TempDir()
	p := startProc(t, dir)
	if code := apiAt(t, "http://"+p.http, "PUT", "/api/pairings/c9", `{"widgetId":"w9"}`, nil); code != 200 {
		t.Fatalf("pair: %d", code)
	}
	const n = 600
	ids, socs := make([]string, n), make([]int, n)
	for i := range ids {
		ids[i], socs[i] = fmt.Sprintf("r-%d", i), i%101
	}
	socs[n-1] = 85
	a := &ackingCharger{acked: map[string]bool{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.stream("ws://"+p.charger+"/chargers/c1234", ids, socs, func(string) bool { return false })
	}()
	checkFor(t, 20*time.Second, func() bool { return a.count() >= 150 })
	p.kill9(t)
	<-done
	ackedBeforeKill := a.count()
	t.Logf("acknowledged before kill -9: %d of %d", ackedBeforeKill, n)

	p = startProc(t, dir)
	// The charger reconnects and re-sends everything not acknowledged, plus
	// a few that were (a re-sent id is stored once and acknowledged again).
	resent := map[string]bool{"r-0": true, "r-1": true}
	a.mu.Lock()
	delete(a.acked, "r-0")
	delete(a.acked, "r-1")
	a.mu.Unlock()
	a.stream("ws://"+p.charger+"/chargers/c1234", ids, socs, func(id string) bool { return a.isAcked(id) && !resent[id] })
	checkFor(t, 20*time.Second, func() bool { return a.count() == n })

	w := dial(t, "ws://"+p.widget+"/widgets/wABCD", nil)
	if got := w.status(5 * time.Second); got != "charging80" {
		t.Errorf("reconnecting widget: got %q, want charging80 (the last reading, 85)", got)
	}
	var pairs struct {
		Pairings []domain.Pair `json:"pairings"`
	}
	apiAt(t, "http://"+p.http, "GET", "/api/pairings", "", &pairs)
	if !containsPair(pairs.Pairings, domain.Pair{ChargerID: "c9", WidgetID: "w9"}) {
		t.Errorf("pairing made over the API lost: %+v", pairs.Pairings)
	}
	var live struct {
		SoC    *float64 `json:"soc"`
		Status string   `json:"status"`
	}
	apiAt(t, "http://"+p.http, "GET", "/api/chargers/c1234", "", &live)
	p.stop(t)

	// Read the stream directly: every reading once, and a full replay
	// equals what the server showed.
	emb, err := eventstore.StartEmbedded(eventstore.EmbeddedConfig{DataDir: filepath.Join(dir, "jetstream"), Listen: "127.0.0.1:-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Shutdown()
	nc, err := eventstore.Connect(emb.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := eventstore.Open(ctx, nc, eventstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	board := projections.NewBoard(domain.DefaultTariff)
	if err := st.ReadAll(ctx, 1, func(e domain.Event) error {
		if r, ok := e.Data.(domain.SoCReported); ok && e.ChargerID == "c1234" {
			seen[r.ReadingID]++
		}
		return board.Apply(e)
	}); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("reading %s stored %d times, want once", id, seen[id])
		}
	}
	ch, _ := board.Charger("c1234", time.Now())
	if ch.SoC == nil || live.SoC == nil || *ch.SoC != *live.SoC || string(ch.Status) != live.Status {
		t.Errorf("replay shows soc %v %q, server showed %v %q", ch.SoC, ch.Status, live.SoC, live.Status)
	}
	// The checkpoint written at shutdown equals the full replay.
	data, err := st.LoadCheckpoint(ctx, runtime.DefaultCheckpointName)
	if err != nil || data == nil {
		t.Fatalf("checkpoint: %v (%d bytes)", err, len(data))
	}
	restored := projections.NewBoard(domain.DefaultTariff)
	if _, err := restored.Restore(data); err != nil {
		t.Fatal(err)
	}
	if d := projections.Diff(board, restored); len(d) > 0 {
		t.Errorf("checkpoint differs from a full replay:\n%v", d)
	}
}

func containsPair(ps []domain.Pair, p domain.Pair) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}
