package eventstore_test

import (
	"strings"
	"testing"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/eventstore/estest"
)

func TestStartEmbeddedRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  eventstore.EmbeddedConfig
		want string
	}{
		{"no data dir", eventstore.EmbeddedConfig{Listen: "127.0.0.1:-1"}, "no data directory"},
		{"no port", eventstore.EmbeddedConfig{DataDir: t.TempDir(), Listen: "127.0.0.1"}, "listen address"},
		{"bad port", eventstore.EmbeddedConfig{DataDir: t.TempDir(), Listen: "127.0.0.1:http"}, "not a port number"},
		{"port too big", eventstore.EmbeddedConfig{DataDir: t.TempDir(), Listen: "127.0.0.1:70000"}, "not a port number"},
		{"bad sync", eventstore.EmbeddedConfig{DataDir: t.TempDir(), Listen: "127.0.0.1:-1", Sync: "sometimes"}, "sync"},
		{"negative max store", eventstore.EmbeddedConfig{DataDir: t.TempDir(), Listen: "127.0.0.1:-1", MaxStore: -1}, "max store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := eventstore.StartEmbedded(tt.cfg)
			if err == nil {
				srv.Shutdown()
				t.Fatalf("got no error, want one containing %q", tt.want)
			}
			if got := err.Error(); !strings.Contains(got, tt.want) {
				t.Fatalf("got %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

func TestInProcessOnlyReopensData(t *testing.T) {
	dir := t.TempDir()
	srv, st, nc := estest.StartAt(t, dir)
	key := domain.ChargerKey("c1")
	appendOK(t, st, key, 0, readings(key.ID, 3)...)
	nc.Close()
	srv.Shutdown()

	// A tool opening the stopped server's data, without a port.
	tool, err := eventstore.StartEmbedded(eventstore.EmbeddedConfig{DataDir: dir, InProcessOnly: true})
	if err != nil {
		t.Fatalf("start in process only: %v", err)
	}
	t.Cleanup(tool.Shutdown)
	tnc, err := tool.Connect()
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(tnc.Close)
	tst, err := eventstore.Open(ctxT(t), tnc, eventstore.Config{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	n := 0
	if err := tst.ReadAll(ctxT(t), 0, func(domain.Event) error { n++; return nil }); err != nil || n != 3 {
		t.Fatalf("read all: %d events, %v; want 3", n, err)
	}
}

func TestStartEmbedded(t *testing.T) {
	tests := []struct {
		name string
		cfg  eventstore.EmbeddedConfig
	}{
		{"port 0 is random", eventstore.EmbeddedConfig{Listen: "127.0.0.1:0"}},
		{"sync always", eventstore.EmbeddedConfig{Listen: "127.0.0.1:-1", Sync: eventstore.SyncAlways}},
		{"sync interval", eventstore.EmbeddedConfig{Listen: "127.0.0.1:-1", Sync: eventstore.SyncInterval}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.DataDir = t.TempDir()
			srv, err := eventstore.StartEmbedded(tt.cfg)
			if err != nil {
				t.Fatalf("start: %v", err)
			}
			t.Cleanup(srv.Shutdown)
			if got := srv.ClientURL(); strings.HasSuffix(got, ":4222") || !strings.HasPrefix(got, "nats://127.0.0.1:") {
				t.Fatalf("client url %q, want a random loopback port", got)
			}
			// In-process connection, no TCP.
			nc, err := srv.Connect()
			if err != nil {
				t.Fatalf("connect in process: %v", err)
			}
			t.Cleanup(nc.Close)
			st, err := eventstore.Open(ctxT(t), nc, eventstore.Config{})
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			key := domain.ChargerKey("c1")
			appendOK(t, st, key, 0, reading(key.ID, 1))
			if got, want := len(loadOK(t, st, key, 0)), 1; got != want {
				t.Fatalf("loaded %d events, want %d", got, want)
			}
		})
	}
}
