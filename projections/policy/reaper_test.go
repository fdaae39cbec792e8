package policy_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/chargebooth/chargebooth/projections/policy"
)

func TestReaperMarksADeadInstanceOffline(t *testing.T) {
	e := newEnv(t)
	e.connectCharger("c1", "1@dead")
	e.connectWidget("w1", "2@dead")
	e.connectCharger("c2", "1@alive")
	e.connectCharger("c3", "1@me")
	e.connectWidget("w3", "2@me")
	e.connectCharger("c4", "3@dead")
	e.connectCharger("c4", "4@alive") // moved on to a survivor
	e.folded()
	leases := &fakeLeases{}
	leases.set([]string{"dead", "me"}, nil)
	r := &policy.Reaper{Board: e.board, Leases: leases, Service: e.svc, Instance: "me"}

	n, err := r.Tick(ctxFor(t, 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("reaped: got %d, want 2 (c1 and w1)", n)
	}
	e.folded()
	want := []projections.Socket{
		{Kind: domain.KindCharger, ID: "c2", ChargerID: "c2", Conn: "1@alive"},
		{Kind: domain.KindCharger, ID: "c3", ChargerID: "c3", Conn: "1@me"},
		{Kind: domain.KindCharger, ID: "c4", ChargerID: "c4", Conn: "4@alive"},
		{Kind: domain.KindWidget, ID: "w3", Conn: "2@me"},
	}
	if got := e.board.Online(); len(got) != len(want) {
		t.Fatalf("online after the reap: got %v, want %v", got, want)
	} else {
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("online[%d]: got %+v, want %+v", i, got[i], want[i])
			}
		}
	}

	evs := e.events(domain.ChargerKey("c1"))
	wantDisc := domain.ChargerDisconnected{Instance: "dead", Conn: "1@dead", Reason: "instance dead stopped renewing its lease"}
	if got := evs[len(evs)-1]; got != wantDisc {
		t.Errorf("c1's last event: got %#v, want %#v", got, wantDisc)
	}
	wevs := e.events(domain.StreamKey{Kind: domain.KindWidget, ID: "w1"})
	wantW := domain.WidgetDisconnected{Instance: "dead", Conn: "2@dead", Reason: "instance dead stopped renewing its lease"}
	if got := wevs[len(wevs)-1]; got != wantW {
		t.Errorf("w1's last event: got %#v, want %#v", got, wantW)
	}

	// Once folded, nothing is left to reap.
	if n, err := r.Tick(ctxFor(t, 10*time.Second)); err != nil || n != 0 {
		t.Errorf("second tick: got %d, %v, want 0, nil", n, err)
	}
}

// TestReaperReapsItsOwnEarlierRun: after kill -9 and a restart under the
// same name, the sockets of the earlier run are marked offline by the
// instance itself (its lease is alive again, so nobody else would).
func TestReaperReapsItsOwnEarlierRun(t *testing.T) {
	e := newEnv(t)
	e.connectCharger("c1", domain.ConnID(1, "old", "me"))
	e.connectWidget("w1", domain.ConnID(2, "old", "me"))
	e.connectCharger("c2", domain.ConnID(1, "new", "me"))
	e.folded()
	r := &policy.Reaper{Board: e.board, Service: e.svc, Instance: "me", Epoch: "new"}
	n, err := r.Tick(ctxFor(t, 10*time.Second))
	if err != nil || n != 2 {
		t.Fatalf("tick: got %d, %v, want 2, nil", n, err)
	}
	e.folded()
	got := e.board.Online()
	if len(got) != 1 || got[0].ID != "c2" {
		t.Fatalf("online: got %+v, want only c2", got)
	}
	evs := e.events(domain.ChargerKey("c1"))
	want := domain.ChargerDisconnected{Instance: "me", Conn: "1.old@me", Reason: "instance me restarted; this socket was held by its earlier run"}
	if last := evs[len(evs)-1]; last != want {
		t.Errorf("c1's last event: got %#v, want %#v", last, want)
	}
}

func TestReaperTwoSurvivorsReapOnce(t *testing.T) {
	e := newEnv(t)
	e.connectCharger("c1", "1@dead")
	e.connectWidget("w1", "2@dead")
	e.folded()
	leases := &fakeLeases{}
	leases.set([]string{"dead"}, nil)
	// Two instances, each with its own service (and cache), reap at once.
	reapers := []*policy.Reaper{
		{Board: e.board, Leases: leases, Service: e.service(), Instance: "s1"},
		{Board: e.board, Leases: leases, Service: e.service(), Instance: "s2"},
	}
	var wg sync.WaitGroup
	for _, r := range reapers {
		wg.Go(func() {
			if _, err := r.Tick(ctxFor(t, 10*time.Second)); err != nil {
				t.Errorf("tick of %s: %v", r.Instance, err)
			}
		})
	}
	wg.Wait()
	if got := count(e.events(domain.ChargerKey("c1")), domain.ChargerDisconnected{}); got != 1 {
		t.Errorf("ChargerDisconnected stored: got %d, want 1", got)
	}
	if got := count(e.events(domain.StreamKey{Kind: domain.KindWidget, ID: "w1"}), domain.WidgetDisconnected{}); got != 1 {
		t.Errorf("WidgetDisconnected stored: got %d, want 1 (the same derived id)", got)
	}
	e.folded()
	if got := e.board.Online(); len(got) != 0 {
		t.Errorf("online after the reap: got %v, want none", got)
	}
}

func TestReaperStaleBoard(t *testing.T) {
	e := newEnv(t)
	e.connectCharger("c1", "1@dead")
	e.folded()
	// A board that saw only the first connection, while the charger has
	// since moved to a survivor.
	stale := projections.NewBoard(domain.DefaultTariff)
	evs, err := e.store.Load(ctxFor(t, 5*time.Second), domain.ChargerKey("c1"), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if err := stale.Apply(ev); err != nil {
			t.Fatal(err)
		}
	}
	e.connectCharger("c1", "2@alive")
	leases := &fakeLeases{}
	leases.set([]string{"dead"}, nil)
	r := &policy.Reaper{Board: stale, Leases: leases, Service: e.service(), Instance: "me"}
	n, err := r.Tick(ctxFor(t, 10*time.Second))
	if err != nil || n != 0 {
		t.Errorf("tick on a stale board: got %d, %v, want 0, nil (the aggregate knows better)", n, err)
	}
	if got := count(e.events(domain.ChargerKey("c1")), domain.ChargerDisconnected{}); got != 0 {
		t.Errorf("ChargerDisconnected stored: got %d, want 0; online now %s", got, online(e.board))
	}
}

func TestReaperNothingExpired(t *testing.T) {
	e := newEnv(t)
	e.connectCharger("c1", "1@me")
	e.folded()
	down := errors.New("lease bucket unreachable")
	tests := []struct {
		name    string
		expired []string
		err     error
	}{
		{"none expired", nil, nil},
		{"only itself", []string{"me"}, nil},
		{"lease port fails", nil, down},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leases := &fakeLeases{}
			leases.set(tt.expired, tt.err)
			r := &policy.Reaper{Board: e.board, Leases: leases, Service: e.svc, Instance: "me"}
			n, err := r.Tick(ctxFor(t, 5*time.Second))
			if n != 0 || !errors.Is(err, tt.err) {
				t.Errorf("tick: got %d, %v, want 0, %v", n, err, tt.err)
			}
		})
	}
	if got := count(e.events(domain.ChargerKey("c1")), domain.ChargerDisconnected{}); got != 0 {
		t.Errorf("ChargerDisconnected stored: got %d, want 0", got)
	}
}

func TestReaperRun(t *testing.T) {
	e := newEnv(t)
	e.connectCharger("c1", "1@dead")
	e.folded()
	leases := &fakeLeases{}
	r := &policy.Reaper{Board: e.board, Leases: leases, Service: e.svc, Instance: "me", Every: 10 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx)
	}()
	leases.set([]string{"dead"}, nil) // the lease expires while it runs
	testkit.CheckFor(t, 10*time.Second, func() error {
		if got := e.board.Online(); len(got) != 0 {
			return errors.New("still online: " + online(e.board))
		}
		return nil
	})
	cancel()
	<-done
}
