//go:build cluster

package main

import (
	"context"
	"encoding/json"
	"fmt"
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
	"github.com/gorilla/websocket"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// freePort asks the kernel for a free loopback port.
func freePort(tb testing.TB) int {
	tb.Helper()
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
	n.cmd.Stdout, n.cmd.Stderr = nil, nil
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

// startNATSCluster builds nats-server from the module and starts three
// JetStream nodes routed to each other on loopback.
func startNATSCluster(tb testing.TB) []*natsNode {
	tb.Helper()
	dir := tb.TempDir()
	bin := filepath.Join(dir, "nats-server")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/nats-io/nats-server/v2").CombinedOutput(); err != nil {
		tb.Fatalf("build nats-server: %v\n%s", err, out)
	}
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
	}
	// Wait for a JetStream meta leader: a stream can be created.
	checkFor(tb, 60*time.Second, func() bool {
		nc, err := nats.Connect(nodes[0].url(), nats.Timeout(time.Second))
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
	return nodes
}

func clusterURLs(nodes []*natsNode) string {
	var u []string
	for _, n := range nodes {
		u = append(u, n.url())
	}
	return strings.Join(u, ",")
}

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
			go func() { <-ctx.Done(); ws.Close() }()
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
			ws.Close()
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func TestClusterChaos(t *testing.T) {
	chargers := envInt("CHAOS_CHARGERS", 200)
	duration := time.Duration(envInt("CHAOS_SECONDS", 60)) * time.Second
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
		return startProc(t, instDir[i], "--nats-url", urls, "--replicas", "3", "--instance", []string{"a", "b"}[i],
			"--pairings", pf, "--no-demo")
	}
	inst := []*proc{start(0), start(1)}
	// Instances restart on new ports; dial addresses follow them.
	var addrMu sync.Mutex
	chargerURL := func(i int) string { addrMu.Lock(); defer addrMu.Unlock(); return "ws://" + inst[i].charger }
	widgetURL := func(i int) string { addrMu.Lock(); defer addrMu.Unlock(); return "ws://" + inst[i].widget }
	_ = chargerURL

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cs := make([]*chaosCharger, 0, chargers)
	ws := make([]*chaosWidget, 0, chargers)
	for i := 0; i < chargers; i++ {
		home, other := i%2, 1-i%2
		c := &chaosCharger{id: fmt.Sprintf("x%03d", i), pending: map[string]int{}, acked: map[string]bool{}}
		c.urls = []string{chargerURL(home), chargerURL(other)}
		w := &chaosWidget{id: fmt.Sprintf("y%03d", i), urls: []string{widgetURL(other), widgetURL(home)}}
		cs, ws = append(cs, c), append(ws, w)
		go w.run(ctx)
	}
	time.Sleep(time.Second)
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
	at := func(frac float64) { time.Sleep(time.Until(loadStart.Add(time.Duration(frac * float64(duration))))) }
	at(0.15)
	nodes[1].kill()
	events = append(events, fmt.Sprintf("%5.1fs kill -9 NATS node n2", time.Since(loadStart).Seconds()))
	at(0.30)
	nodes[1].start(t)
	events = append(events, fmt.Sprintf("%5.1fs restart NATS node n2", time.Since(loadStart).Seconds()))
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
	deadline := time.Now().Add(90 * time.Second)
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
		time.Sleep(2 * time.Second)
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
	for n := uint64(0); n < info.State.Msgs; {
		batch, err := cons.Fetch(1000, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			n++
			var e domain.Event
			if err := json.Unmarshal(m.Data(), &e); err != nil {
				t.Fatalf("stored event does not decode: %v", err)
			}
			if r, ok := e.Data.(domain.SoCReported); ok && r.ReadingID != "" {
				stored[r.ReadingID]++
				lastSoC[e.ChargerID] = r.SoC
			}
		}
		if got == 0 {
			break
		}
	}

	var sent, acked, missing, dups, delivered, wrongLast int
	for i, c := range cs {
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
		want := string(domain.StatusFor(lastSoC[c.id]))
		c.mu.Unlock()
		w := ws[i]
		checkFor(t, 30*time.Second, func() bool { w.mu.Lock(); defer w.mu.Unlock(); return w.last == want })
		w.mu.Lock()
		delivered += w.statuses
		if w.last != want {
			wrongLast++
		}
		w.mu.Unlock()
	}
	report := fmt.Sprintf(`
cluster chaos: %d chargers × 2 readings/s for %s over 2 instances, 3 NATS nodes (R3)
%s
| readings sent | acknowledged | in the stream | acked but missing | duplicates | statuses delivered | widgets not on last status |
|---:|---:|---:|---:|---:|---:|---:|
| %d | %d | %d | %d | %d | %d | %d |
`, chargers, duration, "  "+strings.Join(events, "\n  "), sent, acked, len(stored), missing, dups, delivered, wrongLast)
	fmt.Print(report)
	t.Log(report)
	if missing != 0 || dups != 0 || acked != sent || wrongLast != 0 {
		t.Errorf("lost or duplicated readings: missing %d, duplicates %d, acked %d of %d, widgets off %d", missing, dups, acked, sent, wrongLast)
	}

	// The projections of the cluster equal a full replay.
	out, err := exec.Command(buildBinary(t), "rebuild", "--nats-url", urls).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "no differences") {
		t.Errorf("rebuild against the cluster: %v\n%s", err, out)
	}
	_ = http.StatusOK
}
