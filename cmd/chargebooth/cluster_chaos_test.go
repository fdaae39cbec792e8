//go:build cluster

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/gorilla/websocket"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

var (
	pickedMu sync.Mutex
	picked   = map[int]bool{} // the ports freePort handed out
)

// freePort returns a loopback port free now, below the kernel's ephemeral
// range (Linux's starts at 32768): a port the kernel hands out for
// listening on :0 is one it may also give the next outgoing connection's
// source, and CI once saw a node fail to bind its port because the routes
// of the two started before it had taken it. Outside that range only
// another listener can take it. When no such port is found, the kernel's
// pick. A port is handed out once per test binary.
func freePort(tb testing.TB) int {
	tb.Helper()
	const low, high = 20000, 32768
	pickedMu.Lock()
	defer pickedMu.Unlock()
	for range 50 {
		port := low + rand.IntN(high-low)
		if picked[port] {
			continue
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			ln.Close()
			picked[port] = true
			return port
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// natsNode is one nats-server process of the test cluster.
type natsNode struct {
	name                   string
	bin, conf, dir         string
	client, route, monitor int
	cmd                    *exec.Cmd
}

func (n *natsNode) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.client) }

func (n *natsNode) start(tb testing.TB) {
	tb.Helper()
	n.cmd = exec.Command(n.bin, "-c", n.conf)
	log, err := os.OpenFile(n.conf+".log", os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		tb.Fatal(err)
	}
	defer log.Close()
	n.cmd.Stdout, n.cmd.Stderr = log, log
	if err := n.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
}

func (n *natsNode) kill() {
	if n.cmd != nil && n.cmd.Process != nil {
		_ = n.cmd.Process.Signal(syscall.SIGKILL)
		_ = n.cmd.Wait()
	}
}

// natsServerBinary builds nats-server from the module chargebooth depends
// on, once per test run.
func natsServerBinary(tb testing.TB) string {
	tb.Helper()
	return goBuild(tb, "github.com/nats-io/nats-server/v2", "nats-server")
}

// startNATSCluster builds nats-server from the module and starts three
// JetStream nodes routed to each other on loopback.
func startNATSCluster(tb testing.TB) []*natsNode {
	tb.Helper()
	dir := tb.TempDir()
	bin := natsServerBinary(tb)
	nodes := make([]*natsNode, 3)
	for i := range nodes {
		nodes[i] = &natsNode{name: fmt.Sprintf("n%d", i+1), bin: bin, dir: filepath.Join(dir, fmt.Sprintf("n%d", i+1)),
			client: freePort(tb), route: freePort(tb), monitor: freePort(tb)}
	}
	for _, n := range nodes {
		var routes []string
		for _, o := range nodes {
			if o != n {
				routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", o.route))
			}
		}
		conf := fmt.Sprintf(`server_name: %s
listen: 127.0.0.1:%d
http: 127.0.0.1:%d
jetstream { store_dir: %q }
cluster { name: booth, listen: 127.0.0.1:%d, routes: [%s] }
`, n.name, n.client, n.monitor, n.dir, n.route, strings.Join(routes, ", "))
		n.conf = filepath.Join(dir, n.name+".conf")
		if err := os.WriteFile(n.conf, []byte(conf), 0o644); err != nil {
			tb.Fatal(err)
		}
		n.start(tb)
		tb.Cleanup(n.kill)
		tb.Cleanup(func() {
			b, _ := os.ReadFile(n.conf + ".log")
			logTailOnFailure(tb, "nats-server "+n.name, string(b))
		})
	}
	// Wait for the cluster to be formed: every node healthy (/healthz
	// answers 200 once its JetStream meta group is current) and answering
	// a JetStream API request.
	for _, n := range nodes {
		checkFor(tb, 60*time.Second, func() bool {
			resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", n.monitor))
			if err != nil {
				return false
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return false
			}
			nc, err := nats.Connect(n.url(), nats.Timeout(time.Second))
			if err != nil {
				return false
			}
			defer nc.Close()
			js, _ := jetstream.New(nc)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_, err = js.AccountInfo(ctx)
			return err == nil
		})
	}
	return nodes
}

// streamLeader returns the node that leads the CHARGEBOOTH stream (the
// harshest one to lose), or the second node when it cannot tell.
func streamLeader(tb testing.TB, nodes []*natsNode) *natsNode {
	tb.Helper()
	nc, err := nats.Connect(clusterURLs(nodes), nats.Timeout(2*time.Second))
	if err != nil {
		return nodes[1]
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, "CHARGEBOOTH")
	if err != nil {
		return nodes[1]
	}
	info, err := s.Info(ctx)
	if err != nil || info.Cluster == nil {
		return nodes[1]
	}
	for _, n := range nodes {
		if n.name == info.Cluster.Leader {
			return n
		}
	}
	return nodes[1]
}

func clusterURLs(nodes []*natsNode) string {
	var u []string
	for _, n := range nodes {
		u = append(u, n.url())
	}
	return strings.Join(u, ",")
}

// errorCodes collects the codes of the Error frames chargers received.
var errorCodes sync.Map

// chaosCharger sends readings with ids and re-sends what was not
// acknowledged after each reconnect, to whichever instance is up.
type chaosCharger struct {
	id      string
	urls    []string // preferred instance first
	mu      sync.Mutex
	pending map[string]int // reading id → soc, not acknowledged yet
	order   []string       // every id sent, in order
	acked   map[string]bool
	last    int // soc of the last reading sent
	ws      *websocket.Conn
	sent    atomic.Int64
	// errors counts Error frames (store_unavailable while NATS is
	// unreachable), connects the sockets opened, resent the re-sends.
	errors, connects, resent atomic.Int64
}

func (c *chaosCharger) connect() bool {
	c.mu.Lock()
	urls := append([]string(nil), c.urls...)
	c.mu.Unlock()
	for _, u := range urls {
		ws, _, err := websocket.DefaultDialer.Dial(u+"/chargers/"+c.id, nil)
		if err != nil {
			continue
		}
		c.mu.Lock()
		c.ws = ws
		resend := make([]string, 0, len(c.pending))
		for _, id := range c.order {
			if _, ok := c.pending[id]; ok {
				resend = append(resend, id)
			}
		}
		c.mu.Unlock()
		c.connects.Add(1)
		c.resent.Add(int64(len(resend)))
		go c.read(ws)
		for _, id := range resend {
			c.mu.Lock()
			soc := c.pending[id]
			c.mu.Unlock()
			if c.write(ws, id, soc) != nil {
				return false
			}
		}
		return true
	}
	return false
}

func (c *chaosCharger) write(ws *websocket.Conn, id string, soc int) error {
	_ = ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return ws.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf(`{"event":"StateOfCharge","id":%q,"data":{"soc":%d}}`, id, soc)))
}

func (c *chaosCharger) read(ws *websocket.Conn) {
	for {
		_, b, err := ws.ReadMessage()
		if err != nil {
			c.mu.Lock()
			if c.ws == ws {
				c.ws = nil
			}
			c.mu.Unlock()
			ws.Close()
			return
		}
		var f frame
		if json.Unmarshal(b, &f) == nil && f.Event == "Error" {
			c.errors.Add(1)
			errorCodes.Store(f.Data.Code, true)
		}
		if json.Unmarshal(b, &f) == nil && f.Event == "Ack" {
			c.mu.Lock()
			delete(c.pending, f.Data.ID)
			c.acked[f.Data.ID] = true
			c.mu.Unlock()
		}
	}
}

// send sends the next reading (or only records it while disconnected).
func (c *chaosCharger) send(n int) {
	soc := (n*7 + 10) % 101
	id := fmt.Sprintf("%s-%d", c.id, n)
	c.mu.Lock()
	c.pending[id] = soc
	c.order = append(c.order, id)
	c.last = soc
	ws := c.ws
	c.mu.Unlock()
	c.sent.Add(1)
	if ws == nil {
		if !c.connect() {
			return
		}
		return // connect re-sent everything pending, this one included
	}
	if c.write(ws, id, soc) != nil {
		ws.Close()
	}
}

func (c *chaosCharger) unacked() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}

// chaosWidget records the statuses it receives, reconnecting on failure.
type chaosWidget struct {
	id       string
	urls     []string
	mu       sync.Mutex
	statuses int
	last     string
	online   bool
}

func (w *chaosWidget) run(ctx context.Context) {
	for ctx.Err() == nil {
		w.mu.Lock()
		urls := append([]string(nil), w.urls...)
		w.mu.Unlock()
		for _, u := range urls {
			ws, _, err := websocket.DefaultDialer.Dial(u+"/widgets/"+w.id, nil)
			if err != nil {
				continue
			}
			w.mu.Lock()
			w.online = true
			w.mu.Unlock()
			stop := context.AfterFunc(ctx, func() { ws.Close() })
			for {
				_, b, err := ws.ReadMessage()
				if err != nil {
					break
				}
				var f frame
				if json.Unmarshal(b, &f) == nil && f.Event == "StateOfCharge" {
					w.mu.Lock()
					w.statuses++
					w.last = f.Data.Status
					w.mu.Unlock()
				}
			}
			stop()
			ws.Close()
			w.mu.Lock()
			w.online = false
			w.mu.Unlock()
		}
		select { // a widget's reconnect pause
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// envSeconds reads a duration in seconds ("60") or as Go writes it ("90s").
func envSeconds(name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return d
	}
	return def
}

// eventually polls cond until it holds or timeout passes, and says which.
func eventually(timeout time.Duration, cond func() bool) bool {
	return testkit.Poll(timeout, 5*testkit.Every, func() error {
		if !cond() {
			return errors.New("not yet")
		}
		return nil
	}) == nil
}

// waitUntil blocks until t: the chaos timeline's next step.
func waitUntil(t time.Time) {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	<-timer.C
}

func TestClusterChaos(t *testing.T) {
	chargers := envInt("CHAOS_CHARGERS", 200)
	duration := envSeconds("CHAOS_DURATION", envSeconds("CHAOS_SECONDS", 60*time.Second))
	nodes := startNATSCluster(t)
	urls := clusterURLs(nodes)

	pairs := map[string]string{}
	for i := 0; i < chargers; i++ {
		pairs[fmt.Sprintf("x%03d", i)] = fmt.Sprintf("y%03d", i)
	}
	pf := filepath.Join(t.TempDir(), "pairings.json")
	b, _ := json.Marshal(pairs)
	if err := os.WriteFile(pf, b, 0o644); err != nil {
		t.Fatal(err)
	}
	instDir := []string{t.TempDir(), t.TempDir()}
	start := func(i int) *proc {
		name := []string{"a", "b"}[i]
		return startClusterProc(t, name, instDir[i], "--nats-url", urls, "--replicas", "3",
			"--pairings", pf, "--no-demo", "--checkpoint-every", "5s")
	}
	inst := []*proc{start(0), start(1)}
	// Instances restart on new ports; dial addresses follow them.
	var addrMu sync.Mutex
	chargerURL := func(i int) string { addrMu.Lock(); defer addrMu.Unlock(); return "ws://" + inst[i].charger }
	widgetURL := func(i int) string { addrMu.Lock(); defer addrMu.Unlock(); return "ws://" + inst[i].widget }

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cs := make([]*chaosCharger, 0, chargers)
	t.Cleanup(func() {
		for _, c := range cs {
			c.mu.Lock()
			if c.ws != nil {
				c.ws.Close()
			}
			c.mu.Unlock()
		}
	})
	ws := make([]*chaosWidget, 0, chargers)
	for i := 0; i < chargers; i++ {
		home, other := i%2, 1-i%2
		c := &chaosCharger{id: fmt.Sprintf("x%03d", i), pending: map[string]int{}, acked: map[string]bool{}}
		c.urls = []string{chargerURL(home), chargerURL(other)}
		w := &chaosWidget{id: fmt.Sprintf("y%03d", i), urls: []string{widgetURL(other), widgetURL(home)}}
		cs, ws = append(cs, c), append(ws, w)
		go w.run(ctx)
	}
	checkFor(t, 30*time.Second, func() bool {
		for _, w := range ws {
			w.mu.Lock()
			on := w.online
			w.mu.Unlock()
			if !on {
				return false
			}
		}
		return true
	})
	refresh := func() {
		for i, c := range cs {
			home, other := i%2, 1-i%2
			c.mu.Lock()
			c.urls = []string{chargerURL(home), chargerURL(other)}
			c.mu.Unlock()
			ws[i].mu.Lock()
			ws[i].urls = []string{widgetURL(other), widgetURL(home)}
			ws[i].mu.Unlock()
		}
	}

	// The load: every charger at 2 readings/s.
	var loadWG sync.WaitGroup
	loadStart := time.Now()
	for _, c := range cs {
		loadWG.Add(1)
		go func(c *chaosCharger) {
			defer loadWG.Done()
			tick := time.NewTicker(500 * time.Millisecond)
			defer tick.Stop()
			for n := 0; time.Since(loadStart) < duration; n++ {
				c.send(n)
				<-tick.C
			}
		}(c)
	}
	// The chaos timeline.
	events := []string{}
	at := func(frac float64) { waitUntil(loadStart.Add(time.Duration(frac * float64(duration)))) }
	at(0.15)
	victim := streamLeader(t, nodes)
	victim.kill()
	events = append(events, fmt.Sprintf("%5.1fs kill -9 NATS node %s (the stream's leader)", time.Since(loadStart).Seconds(), victim.name))
	at(0.30)
	victim.start(t)
	events = append(events, fmt.Sprintf("%5.1fs restart NATS node %s", time.Since(loadStart).Seconds(), victim.name))
	at(0.50)
	inst[0].kill9(t)
	events = append(events, fmt.Sprintf("%5.1fs kill -9 chargebooth a", time.Since(loadStart).Seconds()))
	at(0.65)
	np := start(0)
	addrMu.Lock()
	inst[0] = np
	addrMu.Unlock()
	refresh()
	events = append(events, fmt.Sprintf("%5.1fs restart chargebooth a", time.Since(loadStart).Seconds()))
	loadWG.Wait()

	// Every reading eventually acknowledged: reconnect and re-send.
	resend := time.NewTicker(2 * time.Second)
	defer resend.Stop()
	deadline := time.Now().Add(60 * time.Second)
	for {
		left := 0
		for _, c := range cs {
			if n := c.unacked(); n > 0 {
				// Readings answered store_unavailable, or lost with a
				// socket: reconnect and re-send them.
				left += n
				c.mu.Lock()
				old := c.ws
				c.ws = nil
				c.mu.Unlock()
				if old != nil {
					old.Close()
				}
				c.connect()
			}
		}
		if left == 0 || time.Now().After(deadline) {
			if left > 0 {
				t.Errorf("%d readings never acknowledged", left)
			}
			break
		}
		<-resend.C
	}

	// Read the stream directly.
	nc, err := nats.Connect(urls)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	sctx, scancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer scancel()
	stream, err := js.Stream(sctx, "CHARGEBOOTH")
	if err != nil {
		t.Fatal(err)
	}
	info, _ := stream.Info(sctx)
	cons, err := stream.OrderedConsumer(sctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	lastSoC := map[string]float64{}
	// Read every message up to the stream's last sequence; an ordered
	// consumer resets itself after a hiccup, so go by sequence, not count.
	it, err := cons.Messages(jetstream.PullMaxMessages(1000))
	if err != nil {
		t.Fatal(err)
	}
	for seen := uint64(0); seen < info.State.LastSeq; {
		m, err := it.Next()
		if err != nil {
			t.Fatalf("read the stream at %d of %d: %v", seen, info.State.LastSeq, err)
		}
		meta, err := m.Metadata()
		if err != nil {
			t.Fatal(err)
		}
		seen = meta.Sequence.Stream
		var e domain.Event
		if err := json.Unmarshal(m.Data(), &e); err != nil {
			t.Fatalf("stored event does not decode: %v", err)
		}
		if r, ok := e.Data.(domain.SoCReported); ok && r.ReadingID != "" {
			stored[r.ReadingID]++
			lastSoC[e.ChargerID] = r.SoC
		}
	}
	it.Stop()

	var sent, acked, missing, dups, delivered, wrongLast int
	var errs, connects, resent int64
	for _, c := range cs {
		errs += c.errors.Load()
		connects += c.connects.Load()
		resent += c.resent.Load()
		c.mu.Lock()
		sent += len(c.order)
		for _, id := range c.order {
			if c.acked[id] {
				acked++
				if stored[id] == 0 {
					missing++
				}
			}
			if stored[id] > 1 {
				dups += stored[id] - 1
			}
		}
		c.mu.Unlock()
	}
	want := func(i int) string { return string(domain.StatusFor(lastSoC[cs[i].id])) }
	offLast := func() int {
		off := 0
		for i, w := range ws {
			w.mu.Lock()
			if w.last != want(i) {
				off++
			}
			w.mu.Unlock()
		}
		return off
	}
	eventually(30*time.Second, func() bool { return offLast() == 0 })
	wrongLast = offLast()
	for _, w := range ws {
		w.mu.Lock()
		delivered += w.statuses
		w.mu.Unlock()
	}
	report := fmt.Sprintf(`
cluster chaos: %d chargers × 2 readings/s for %s over 2 instances, 3 NATS nodes (R3), stream %d messages
%s
| readings sent | acknowledged | in the stream | acked but missing | duplicates | statuses delivered | widgets not on last status | Error frames | charger connects | re-sent |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| %d | %d | %d | %d | %d | %d | %d | %d | %d | %d |
`, chargers, duration, info.State.Msgs, "  "+strings.Join(events, "\n  "), sent, acked, len(stored), missing, dups, delivered, wrongLast, errs, connects, resent)
	errorCodes.Range(func(k, _ any) bool { report += fmt.Sprintf("Error code seen: %v\n", k); return true })
	fmt.Print(report)
	t.Log(report)
	if missing != 0 || dups != 0 || acked != sent || wrongLast != 0 {
		t.Errorf("lost or duplicated readings: missing %d, duplicates %d, acked %d of %d, widgets off %d", missing, dups, acked, sent, wrongLast)
	}

	// Presence tells the truth: with every charger connected, each is
	// online on both instances; once they all hang up, each is offline
	// (no presence event was lost, none left from the killed instance).
	presence := func(want bool) error {
		var errs []error
		for _, p := range inst {
			for _, c := range cs {
				if on, err := chargerOnline(t, "http://"+p.http, c.id); err != nil || on != want {
					errs = append(errs, fmt.Errorf("%s on %s: online %v (%v), want %v", c.id, p.http, on, err, want))
				}
			}
		}
		if len(errs) > 5 {
			return fmt.Errorf("%d chargers wrong, such as %w", len(errs), errors.Join(errs[:5]...))
		}
		return errors.Join(errs...)
	}
	for _, c := range cs {
		c.mu.Lock()
		up := c.ws != nil
		c.mu.Unlock()
		if !up {
			c.connect()
		}
	}
	if !eventually(30*time.Second, func() bool { return presence(true) == nil }) {
		t.Errorf("presence with every charger connected: %v", presence(true))
	}
	for _, c := range cs {
		c.mu.Lock()
		if c.ws != nil {
			c.ws.Close()
		}
		c.mu.Unlock()
	}
	if !eventually(30*time.Second, func() bool { return presence(false) == nil }) {
		t.Errorf("presence after every charger hung up: %v", presence(false))
	}

	// The projections of the cluster equal a full replay: stop the
	// instances so they write their last checkpoint, then compare.
	for _, p := range inst {
		p.stop(t)
	}
	out, err := exec.Command(buildBinary(t), "rebuild", "--nats-url", urls).CombinedOutput()
	t.Logf("chargebooth rebuild --nats-url %s:\n%s", urls, out)
	if err != nil || !strings.Contains(string(out), "no differences") {
		t.Errorf("rebuild against the cluster: %v\n%s", err, out)
	}
}

// startClusterInstances starts n chargebooth instances on nodes with R3
// and the given pairings.
func startClusterInstances(tb testing.TB, nodes []*natsNode, pairs map[string]string, n int, extra ...string) []*proc {
	tb.Helper()
	pf := filepath.Join(tb.TempDir(), "pairings.json")
	b, _ := json.Marshal(pairs)
	if err := os.WriteFile(pf, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	out := make([]*proc, n)
	for i := range out {
		out[i] = startClusterProc(tb, string(rune('a'+i)), tb.TempDir(), append([]string{"--nats-url", clusterURLs(nodes),
			"--replicas", "3", "--pairings", pf, "--no-demo"}, extra...)...)
	}
	return out
}

func TestClusterWidgetOnOtherInstance(t *testing.T) {
	nodes := startNATSCluster(t)
	inst := startClusterInstances(t, nodes, map[string]string{"cx1": "wx1"}, 2)
	w := dial(t, "ws://"+inst[1].widget+"/widgets/wx1", nil)
	c := dial(t, "ws://"+inst[0].charger+"/chargers/cx1", nil)
	socs := []int{10, 50, 79, 80, 95, 99, 100, 60, 85, 100, 20, 100}
	for i, soc := range socs {
		c.send(fmt.Sprintf(`{"event":"StateOfCharge","id":"r-%d","data":{"soc":%d}}`, i, soc))
		if f := c.nextFrame(10 * time.Second); f.Event != "Ack" || f.Data.ID != fmt.Sprintf("r-%d", i) {
			t.Fatalf("reading %d: got %s %q, want Ack r-%d", i, f.Event, f.Data.ID, i)
		}
	}
	for i, soc := range socs {
		got, want := w.status(15*time.Second), string(domain.StatusFor(float64(soc)))
		if got != want {
			t.Fatalf("status %d (soc %d) on instance b: got %q, want %q", i, soc, got, want)
		}
	}
	w.none(500 * time.Millisecond)
}

// logTailOnFailure logs the end of a process's output when the test failed.
func logTailOnFailure(tb testing.TB, name, out string) {
	tb.Helper()
	if !tb.Failed() {
		return
	}
	if len(out) > 8000 {
		out = "…" + out[len(out)-8000:]
	}
	tb.Logf("%s output:\n%s", name, out)
}

// startClusterProc starts a chargebooth instance as a process like
// startProc, and logs its output when it does not come up or the test
// fails, so a server that hangs is diagnosable.
func startClusterProc(tb testing.TB, name, dir string, extra ...string) *proc {
	tb.Helper()
	args := append([]string{"serve", "--data-dir", dir,
		"--charger-addr", "127.0.0.1:0", "--widget-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--staff-token", testToken, "--instance", name, "--log-level", "info",
		"--devices", "open", "--new-chargers-per-minute", "0", "--max-unenrolled", "0"}, extra...)
	cmd := exec.Command(buildBinary(tb), args...)
	p := &proc{cmd: cmd, out: &testkit.SyncBuffer{}}
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = p.out
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logTailOnFailure(tb, "chargebooth "+name, p.out.String())
		if d := os.Getenv("CHAOS_LOGDIR"); d != "" {
			f := filepath.Join(d, fmt.Sprintf("chargebooth-%s-%d.log", name, cmd.Process.Pid))
			_ = os.WriteFile(f, []byte(p.out.String()), 0o644)
		}
	})
	found := map[string]string{}
	lines := bufio.NewScanner(stdout)
	deadline := time.AfterFunc(60*time.Second, func() { _ = cmd.Process.Kill() })
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
		tb.Fatalf("chargebooth %s did not start within 60 s (killed)", name)
	}
	p.charger, p.widget, p.http, p.nats = found["charger"], found["widget"], found["http"], found["nats"]
	if !eventually(60*time.Second, func() bool {
		resp, err := http.Get("http://" + p.http + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}) {
		tb.Fatalf("chargebooth %s: /readyz not 200 within 60 s", name)
	}
	return p
}
