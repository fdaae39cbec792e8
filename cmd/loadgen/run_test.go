package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/testkit"
)

func TestRunAgainstStandin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fault  fault
		pairs  int
		closed bool
		noAck  bool
		// what the result must hold
		lost, unexpected, serverErrors, connectErrors uint64
		active                                        int
		codes                                         map[string]uint64
		initial                                       bool
	}{
		{name: "rate counts exactly", pairs: 5, active: 5},
		{name: "closed loop counts exactly", pairs: 3, active: 3, closed: true},
		{name: "without acks", pairs: 3, active: 3, noAck: true},
		{name: "dropped reading is lost", pairs: 5, active: 5, fault: fault{dropNth: 3}, lost: 1},
		{name: "dropped reading in closed loop is lost", pairs: 2, active: 2, closed: true, fault: fault{dropNth: 3}, lost: 1},
		{name: "wrong status is unexpected", pairs: 5, active: 5, fault: fault{wrongNth: 3}, unexpected: 1},
		{name: "error frame counted and reading lost", pairs: 5, active: 5, fault: fault{errorNth: 4},
			serverErrors: 1, lost: 1, codes: map[string]uint64{"invalid_soc": 1}},
		{name: "refused widget is a connect error", pairs: 4, active: 3, fault: fault{refuse: "lgw0002"}, connectErrors: 1},
		{name: "on-connect status is ignored", pairs: 4, active: 4, fault: fault{onConnect: "charging"}, initial: true},
		{name: "on-connect charged status is ignored", pairs: 4, active: 4, fault: fault{onConnect: "charged"}, initial: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStandin(t, tt.pairs, tt.fault)
			cfg := s.config()
			cfg.Pairs = tt.pairs
			cfg.Rate = 50
			cfg.Duration = 200 * time.Millisecond
			cfg.ClosedLoop = tt.closed
			cfg.NoAck = tt.noAck
			cfg.ClosedLoopTimeout = 100 * time.Millisecond

			res, err := Run(context.Background(), cfg, quietLog())
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got, want := res.ActivePairs, tt.active; got != want {
				t.Errorf("active pairs = %d, want %d", got, want)
			}
			if !tt.closed {
				if got, want := res.Sent, uint64(10*tt.active); got != want {
					t.Errorf("sent = %d, want %d (10 per pair)", got, want)
				}
			} else if res.Sent <= uint64(tt.active) {
				t.Errorf("sent = %d, want more than one per pair", res.Sent)
			}
			testkit.CheckFor(t, time.Second, func() error {
				got, relayed := s.counts()
				if uint64(got) != res.Sent {
					return fmt.Errorf("server received %d readings, loadgen sent %d", got, res.Sent)
				}
				if uint64(relayed) != res.Delivered {
					return fmt.Errorf("server relayed %d statuses, loadgen counted %d delivered", relayed, res.Delivered)
				}
				return nil
			})
			if got, want := res.Delivered, res.Sent-tt.lost; got != want {
				t.Errorf("delivered = %d, want %d", got, want)
			}
			acked := res.Sent - tt.serverErrors
			if tt.noAck {
				acked = 0
			}
			want := map[string]uint64{
				"lost": tt.lost, "unexpected": tt.unexpected, "server errors": tt.serverErrors,
				"connect errors": tt.connectErrors, "extra": 0, "bad frames": 0, "disconnects": 0,
				"acked": acked,
			}
			got := map[string]uint64{
				"lost": res.Lost, "unexpected": res.Unexpected, "server errors": res.ServerErrors,
				"connect errors": res.ConnectErrors, "extra": res.Extra, "bad frames": res.BadFrames,
				"disconnects": res.Disconnects, "acked": res.Acked,
			}
			for k := range want {
				if got[k] != want[k] {
					t.Errorf("%s = %d, want %d", k, got[k], want[k])
				}
			}
			if got, want := res.Latency.Samples, res.Delivered-tt.unexpected; got != want {
				t.Errorf("latency samples = %d, want %d", got, want)
			}
			if res.Latency.P50Ms <= 0 || res.Latency.MaxMs < res.Latency.P99Ms {
				t.Errorf("latency = %+v, want 0 < p50 and p99 <= max", res.Latency)
			}
			if got, want := res.InitialStatuses > 0, tt.initial; got != want {
				t.Errorf("initial statuses = %d, want some: %v", res.InitialStatuses, want)
			}
			for code, n := range tt.codes {
				if res.ErrorCodes[code] != n {
					t.Errorf("error codes = %v, want %s: %d", res.ErrorCodes, code, n)
				}
			}
		})
	}
}

func TestRunRegistersPairingsThroughAPI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		token   string
		wantErr bool
	}{
		{name: "good token", token: "secret"},
		{name: "bad token", token: "wrong", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStandin(t, 0, fault{})
			cfg := s.config()
			cfg.Pairs = 3
			cfg.Rate = 50
			cfg.Duration = 100 * time.Millisecond
			cfg.API = s.api.URL
			cfg.Token = tt.token
			res, err := Run(context.Background(), cfg, quietLog())
			if tt.wantErr {
				if err == nil {
					t.Fatal("Run with a bad token: no error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if res.Sent == 0 || res.Delivered != res.Sent || res.Lost != 0 {
				t.Errorf("sent %d, delivered %d, lost %d; want all delivered", res.Sent, res.Delivered, res.Lost)
			}
		})
	}
}

func TestRunIdleMeasuresProcess(t *testing.T) {
	t.Parallel()
	s := newStandin(t, 4, fault{})
	cfg := s.config()
	cfg.Pairs = 4
	cfg.Idle = true
	cfg.PID = os.Getpid()
	res, err := Run(context.Background(), cfg, quietLog())
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Idle == nil {
		t.Fatal("no idle stats")
	}
	if got, want := res.Idle.Sockets, 8; got != want {
		t.Errorf("sockets = %d, want %d", got, want)
	}
	if res.Server == nil || res.Server.RSSBeforeBytes == 0 || res.Server.RSSConnectedBytes == 0 {
		t.Errorf("server stats = %+v, want RSS sampled", res.Server)
	}
	if res.Sent != 0 {
		t.Errorf("sent = %d, want 0 when idle", res.Sent)
	}
}

func TestRunFailsWhenNothingConnects(t *testing.T) {
	t.Parallel()
	cfg := defaultConfig()
	cfg.ChargersURL = "ws://127.0.0.1:1/chargers"
	cfg.WidgetsURL = "ws://127.0.0.1:1/widgets"
	cfg.Pairs = 2
	if _, err := Run(context.Background(), cfg, quietLog()); err == nil {
		t.Fatal("Run with no server: no error")
	}
}

// TestRunIdleCollectsGarbageFirst: with --gc-url the server is asked to
// collect its garbage before each idle RSS sample (before connecting and
// once connected), and a refusal fails the run saying so.
func TestRunIdleCollectsGarbageFirst(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	gc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		calls.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(gc.Close)
	s := newStandin(t, 2, fault{})
	cfg := s.config()
	cfg.Pairs = 2
	cfg.Idle = true
	cfg.PID = os.Getpid()
	cfg.GCURL = gc.URL
	if _, err := Run(context.Background(), cfg, quietLog()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("garbage collections asked for: %d, want 2 (before each RSS sample)", got)
	}
	refusing := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(refusing.Close)
	cfg.GCURL = refusing.URL
	if _, err := Run(context.Background(), cfg, quietLog()); err == nil || !strings.Contains(err.Error(), "--gc-url") {
		t.Errorf("Run with a refusing --gc-url: got %v, want an error naming --gc-url", err)
	}
}
