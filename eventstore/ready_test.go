package eventstore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/eventstore/estest"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// appendFailsFast checks that an append with a generous deadline fails
// within a second and a half with an error wrapping ErrUnavailable whose
// text holds want.
func appendFailsFast(t *testing.T, st *eventstore.Store, key domain.StreamKey, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, err := st.Append(ctx, key, domain.AnyVersion, readings(key.ID, 1))
	took := time.Since(start)
	if !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("append: got %v, want an error wrapping ErrUnavailable", err)
	}
	if got, want := domain.ErrorCode(err), domain.CodeStoreDown; got != want {
		t.Fatalf("code: got %q, want %q", got, want)
	}
	if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "nats: nats:") {
		t.Fatalf("error text %q: want it to say %q", err, want)
	}
	if limit := 1500 * time.Millisecond; took > limit {
		t.Fatalf("append took %s to fail, want under %s", took, limit)
	}
	// A command re-reads its aggregate after a refusal: that fails fast too.
	start = time.Now()
	if _, err := st.Load(ctx, key, 0); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("load: got %v, want an error wrapping ErrUnavailable", err)
	}
	if took, limit := time.Since(start), 1500*time.Millisecond; took > limit {
		t.Fatalf("load took %s to fail, want under %s", took, limit)
	}
}

// waitReady waits until st.Ready reports nil (want true) or an error
// wrapping ErrUnavailable (want false).
func waitReady(t *testing.T, st *eventstore.Store, want bool, within time.Duration) error {
	t.Helper()
	var last error
	testkit.CheckFor(t, within, func() error {
		last = st.Ready(ctxT(t))
		switch {
		case want && last != nil:
			return fmt.Errorf("ready: got %v, want nil", last)
		case !want && !errors.Is(last, domain.ErrUnavailable):
			return fmt.Errorf("ready: got %v, want an error wrapping ErrUnavailable", last)
		}
		return nil
	})
	return last
}

func TestReadyFollowsTheServer(t *testing.T) {
	dir := t.TempDir()
	srv := estest.Server(t, dir, "127.0.0.1:-1")
	url := srv.ClientURL()
	st, _ := estest.Open(t, url)
	t.Cleanup(st.Close)
	key := domain.ChargerKey(newCharger("ready"))
	res := appendOK(t, st, key, 0, readings(key.ID, 3)...)
	waitReady(t, st, true, 5*time.Second)

	srv.Shutdown()
	start := time.Now()
	err := waitReady(t, st, false, 2*time.Second)
	t.Logf("unready after %s: %v", time.Since(start), err)
	appendFailsFast(t, st, key, "disconnected")

	estest.Server(t, dir, strings.TrimPrefix(url, "nats://"))
	waitReady(t, st, true, 10*time.Second)
	more := appendOK(t, st, key, res[2].Seq, reading(key.ID, 4))
	e := reading(key.ID, 5)
	e.Seq = appendOK(t, st, key, more[0].Seq, e)[0].Seq
	if got, want := len(loadOK(t, st, key, 0)), 5; got != want {
		t.Fatalf("loaded %d events, want %d", got, want)
	}
}

// clusterNode is one nats-server of an in-process three-node cluster.
type clusterNode struct {
	opts *server.Options
	srv  *server.Server
}

func (n *clusterNode) start(t *testing.T) {
	t.Helper()
	srv, err := server.NewServer(n.opts.Clone())
	if err != nil {
		t.Fatalf("node %s: %v", n.opts.ServerName, err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatalf("node %s not ready", n.opts.ServerName)
	}
	n.srv = srv
}

func (n *clusterNode) stop() {
	if n.srv != nil {
		n.srv.Shutdown()
		n.srv.WaitForShutdown()
		n.srv = nil
	}
}

func (n *clusterNode) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.opts.Port) }

// freePort asks the kernel for a free loopback port.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startCluster starts three JetStream servers routed to each other.
func startCluster(t *testing.T) []*clusterNode {
	t.Helper()
	dir := t.TempDir()
	nodes := make([]*clusterNode, 3)
	var routes []string
	for i := range nodes {
		cp := freePort(t)
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", cp))
		nodes[i] = &clusterNode{opts: &server.Options{
			ServerName: fmt.Sprintf("n%d", i+1),
			Host:       "127.0.0.1",
			Port:       freePort(t),
			JetStream:  true,
			StoreDir:   filepath.Join(dir, fmt.Sprintf("n%d", i+1)),
			NoLog:      true,
			NoSigs:     true,
			Cluster:    server.ClusterOpts{Name: "cb-test", Host: "127.0.0.1", Port: cp},
		}}
	}
	for _, n := range nodes {
		n.opts.Routes = server.RoutesFromStr(strings.Join(routes, ","))
		n.start(t)
		t.Cleanup(n.stop)
	}
	return nodes
}

// TestClusterWithoutLeader takes two of three nodes away from an R3
// stream: its survivor has no quorum and the stream no leader, so the
// store is not ready and appends fail within a second and a half instead
// of waiting out their deadline; once the nodes return, appends succeed
// and nothing acknowledged was lost.
func TestClusterWithoutLeader(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node cluster")
	}
	nodes := startCluster(t)
	nc := estest.Connect(t, nodes[0].url())
	st := openR3(t, nc)
	key := domain.ChargerKey(newCharger("cluster"))
	stored := readings(key.ID, 5)
	stored = withSeqs(stored, appendOK(t, st, key, 0, stored...))

	nodes[1].stop()
	nodes[2].stop()
	start := time.Now()
	err := waitReady(t, st, false, 3*time.Second)
	t.Logf("unready %s after losing two nodes: %v", time.Since(start), err)
	// The cluster's meta leader may be found missing first.
	testkit.CheckFor(t, 5*time.Second, func() error {
		if err := st.Ready(ctxT(t)); err == nil || !strings.Contains(err.Error(), "the stream has no leader") {
			return fmt.Errorf("ready: got %v, want it to say the stream has no leader", err)
		}
		return nil
	})
	t.Logf("no stream leader found %s after losing two nodes", time.Since(start))
	appendFailsFast(t, st, key, "the stream has no leader")

	nodes[1].start(t)
	nodes[2].start(t)
	start = time.Now()
	waitReady(t, st, true, 30*time.Second)
	t.Logf("ready %s after the nodes returned", time.Since(start))
	// The same event is re-sent until it is acknowledged, as a device
	// re-sends its reading: an attempt whose answer was lost may have been
	// stored, and its re-send is then found and reported Duplicate (a new
	// event would meet a conflict with it instead).
	e := reading(key.ID, 77)
	testkit.CheckFor(t, 10*time.Second, func() error {
		res, err := st.Append(ctxT(t), key, stored[len(stored)-1].Seq, []domain.Event{e})
		if err != nil {
			t.Logf("append after the nodes returned: %v", err)
			return err
		}
		e.Seq = res[0].Seq
		return nil
	})
	// Right after the cluster is back, a read may still meet "JetStream
	// system temporarily unavailable".
	var got []domain.Event
	testkit.CheckFor(t, 30*time.Second, func() (err error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		start := time.Now()
		got, err = st.Load(ctx, key, 0)
		if err != nil {
			t.Logf("load after %s: %v", time.Since(start), err)
		}
		return err
	})
	sameEvents(t, got, append(stored, e))
}

// TestClusterLeaderLoss stops the stream leader of an R3 stream while one
// writer appends checked events: the two survivors elect a new leader,
// appends resume, each failed append failed well within its deadline, and
// every acknowledged event is stored exactly once.
func TestClusterLeaderLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node cluster")
	}
	nodes := startCluster(t)
	nc := estest.Connect(t, nodes[0].url()+","+nodes[1].url()+","+nodes[2].url())
	st := openR3(t, nc)
	leader := streamLeader(t, nc)

	key := domain.ChargerKey(newCharger("election"))
	var (
		mu       sync.Mutex
		acked    []domain.Event
		failures int
		slowest  time.Duration
		stop     = make(chan struct{})
		done     = make(chan struct{})
	)
	go func() {
		defer close(done)
		var version uint64
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			e := reading(key.ID, float64(i%101))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			start := time.Now()
			res, err := st.Append(ctx, key, version, []domain.Event{e})
			took := time.Since(start)
			cancel()
			mu.Lock()
			switch {
			case err == nil:
				e.Seq, version = res[0].Seq, res[0].Seq
				acked = append(acked, e)
			case errors.Is(err, domain.ErrConflict):
				// An append that failed was stored after all: go on
				// from what the store holds.
				if evs, lerr := st.Load(context.Background(), key, 0); lerr == nil && len(evs) > 0 {
					version = evs[len(evs)-1].Seq
				}
			case errors.Is(err, domain.ErrUnavailable):
				failures++
				slowest = max(slowest, took)
			default:
				t.Errorf("append: %v", err)
			}
			mu.Unlock()
			if err != nil { // as a charger would, wait a little before the next reading
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}
	}()
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	testkit.CheckFor(t, 10*time.Second, func() error {
		if count() < 50 {
			return errors.New("fewer than 50 appends before the leader stops")
		}
		return nil
	})
	for _, n := range nodes {
		if n.opts.ServerName == leader {
			n.stop()
		}
	}
	stopped := count()
	testkit.CheckFor(t, 30*time.Second, func() error {
		if count() < stopped+50 {
			return fmt.Errorf("%d appends since the leader %s stopped, want 50", count()-stopped, leader)
		}
		return nil
	})
	close(stop)
	<-done
	t.Logf("%d appends acknowledged, %d failed, the slowest failure took %s", len(acked), failures, slowest)
	if limit := 3 * time.Second; slowest > limit {
		t.Errorf("a failed append took %s, want under %s", slowest, limit)
	}
	// Right after the election a read may still meet no responder for the
	// stream's direct gets (ErrUnavailable, which callers retry): read it
	// back once the cluster answers.
	var stored []domain.Event
	testkit.CheckFor(t, 10*time.Second, func() error {
		var err error
		stored, err = st.Load(context.Background(), key, 0)
		return err
	})
	seen := map[string]bool{}
	for _, e := range stored {
		if seen[e.ID] {
			t.Fatalf("event %s stored twice", e.ID)
		}
		seen[e.ID] = true
	}
	for _, e := range acked {
		if !seen[e.ID] {
			t.Fatalf("acknowledged event %s (seq %d) lost", e.ID, e.Seq)
		}
	}
}

// streamLeader returns the name of the stream's leader.
func streamLeader(t *testing.T, nc *nats.Conn) string {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(ctxT(t), eventstore.DefaultStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctxT(t))
	if err != nil || info.Cluster == nil || info.Cluster.Leader == "" {
		t.Fatalf("stream info: %+v, %v; want a leader", info, err)
	}
	return info.Cluster.Leader
}

// openR3 opens a three-replica store on a cluster that may still be
// electing its leaders, and waits until it is ready.
func openR3(t *testing.T, nc *nats.Conn) *eventstore.Store {
	t.Helper()
	var st *eventstore.Store
	testkit.CheckFor(t, 30*time.Second, func() (err error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		st, err = eventstore.Open(ctx, nc, eventstore.Config{Replicas: 3})
		return err
	})
	t.Cleanup(st.Close)
	waitReady(t, st, true, 20*time.Second)
	return st
}
