package eventstore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/eventstore/estest"
	"github.com/nats-io/nats-server/v2/server"
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
}

// waitReady waits until st.Ready reports nil (want true) or an error
// wrapping ErrUnavailable (want false).
func waitReady(t *testing.T, st *eventstore.Store, want bool, within time.Duration) error {
	t.Helper()
	var last error
	checkFor(t, within, 10*time.Millisecond, func() error {
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
	var st *eventstore.Store
	checkFor(t, 30*time.Second, 100*time.Millisecond, func() (err error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		st, err = eventstore.Open(ctx, nc, eventstore.Config{Replicas: 3})
		return err
	})
	t.Cleanup(st.Close)
	waitReady(t, st, true, 20*time.Second)
	key := domain.ChargerKey(newCharger("cluster"))
	stored := readings(key.ID, 5)
	stored = withSeqs(stored, appendOK(t, st, key, 0, stored...))

	nodes[1].stop()
	nodes[2].stop()
	start := time.Now()
	err := waitReady(t, st, false, 5*time.Second)
	t.Logf("unready %s after losing two nodes: %v", time.Since(start), err)
	if !strings.Contains(err.Error(), "the stream has no leader") {
		t.Fatalf("ready: got %q, want it to say the stream has no leader", err)
	}
	appendFailsFast(t, st, key, "the stream has no leader")

	nodes[1].start(t)
	nodes[2].start(t)
	start = time.Now()
	waitReady(t, st, true, 30*time.Second)
	t.Logf("ready %s after the nodes returned", time.Since(start))
	var e domain.Event
	checkFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		e = reading(key.ID, 77)
		res, err := st.Append(ctxT(t), key, stored[len(stored)-1].Seq, []domain.Event{e})
		if err != nil {
			return err
		}
		e.Seq = res[0].Seq
		return nil
	})
	sameEvents(t, loadOK(t, st, key, 0), append(stored, e))
}
