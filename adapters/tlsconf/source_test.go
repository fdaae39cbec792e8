package tlsconf_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/tlsconf"
	"github.com/chargebooth/chargebooth/internal/testkit"
)

func wantSerial(tb testing.TB, addr string, ca *testkit.CA, want int64) {
	tb.Helper()
	testkit.CheckFor(tb, 5*time.Second, func() error {
		got, err := servedSerial(addr, ca.Pool)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("served serial %d, want %d", got, want)
		}
		return nil
	})
}

func TestRotationWithoutRestart(t *testing.T) {
	ca := testkit.NewCA(t, "test CA")
	dir := t.TempDir()
	certFile, keyFile := ca.WritePair(t, dir, 1)
	src, err := tlsconf.Load(certFile, keyFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, tlsconf.ServerConfig(src, nil), nil)
	wantSerial(t, addr, ca, 1)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go src.Watch(ctx, 20*time.Millisecond)
	ca.WritePair(t, dir, 2)
	wantSerial(t, addr, ca, 2) // the watcher saw the files change

	cancel()
	ca.WritePair(t, dir, 3)
	if err := src.Reload(); err != nil { // SIGHUP
		t.Fatalf("reload: %v", err)
	}
	wantSerial(t, addr, ca, 3)
}

func TestBadPairKeepsTheOld(t *testing.T) {
	ca := testkit.NewCA(t, "test CA")
	other := testkit.NewCA(t, "other CA")
	tests := []struct {
		name  string
		write func(t *testing.T, certFile, keyFile string)
		err   string
	}{
		{"garbage certificate", func(t *testing.T, c, _ string) { testkit.WriteFile(t, c, []byte("not a certificate")) }, "failed to find any PEM data"},
		{"key of another certificate", func(t *testing.T, c, _ string) {
			cert, _ := testkit.EncodePEM(t, other.Issue(t, 9, "other", false, time.Now().Add(time.Hour)))
			testkit.WriteFile(t, c, cert)
		}, "private key does not match public key"},
		{"expired", func(t *testing.T, c, k string) {
			cert, key := testkit.EncodePEM(t, ca.Issue(t, 9, "old", false, time.Now().Add(-time.Hour)))
			testkit.WriteFile(t, k, key)
			testkit.WriteFile(t, c, cert)
		}, "certificate expired at"},
		{"key missing", func(t *testing.T, _, k string) { os.Remove(k) }, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			certFile, keyFile := ca.WritePair(t, dir, 1)
			var logs testkit.SyncBuffer
			src, err := tlsconf.Load(certFile, keyFile, slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			addr := serveTLS(t, tlsconf.ServerConfig(src, nil), nil)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go src.Watch(ctx, 10*time.Millisecond)
			tt.write(t, certFile, keyFile)
			testkit.CheckFor(t, 5*time.Second, func() error {
				if l := logs.String(); !strings.Contains(l, "previous one is still served") || !strings.Contains(l, tt.err) {
					return fmt.Errorf("watcher did not log the bad pair: %q", l)
				}
				return nil
			})
			if err := src.Reload(); err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("reload: got %v, want an error with %q", err, tt.err)
			}
			wantSerial(t, addr, ca, 1)
			ca.WritePair(t, dir, 2) // and a good pair after a bad one loads
			wantSerial(t, addr, ca, 2)
		})
	}
}

func TestLoadRefusesABadPair(t *testing.T) {
	dir := t.TempDir()
	c, k := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	testkit.WriteFile(t, c, []byte("x"))
	testkit.WriteFile(t, k, []byte("y"))
	if _, err := tlsconf.Load(c, k, nil); err == nil {
		t.Fatal("Load of garbage: got no error")
	}
}
