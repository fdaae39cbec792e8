package eventstore_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/eventstore/estest"
	"github.com/chargebooth/chargebooth/internal/testkit"
)

// startSmall starts an embedded server on dir with cfg's limits and opens
// a store on it that consults the server's Full.
func startSmall(t *testing.T, cfg eventstore.EmbeddedConfig) (*eventstore.Embedded, *eventstore.Store) {
	t.Helper()
	cfg.Listen = "127.0.0.1:-1"
	srv, err := eventstore.StartEmbedded(cfg)
	if err != nil {
		t.Fatalf("start embedded nats: %v", err)
	}
	t.Cleanup(srv.Shutdown)
	nc := estest.Connect(t, srv.ClientURL())
	st, err := eventstore.Open(ctxT(t), nc, eventstore.Config{Full: srv.Full, ProbeEvery: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(st.Close)
	return srv, st
}

// fillUp appends readings, checked and unchecked, until one fails; it
// returns the events stored (with their sequences) and the error.
func fillUp(t *testing.T, st *eventstore.Store, key domain.StreamKey, limit int) ([]domain.Event, error) {
	t.Helper()
	var stored []domain.Event
	var version uint64
	for i := range limit {
		e := reading(key.ID, float64(i%101))
		expected := version
		if i%2 == 1 {
			expected = domain.AnyVersion
		}
		res, err := st.Append(ctxT(t), key, expected, []domain.Event{e})
		if err != nil {
			return stored, err
		}
		e.Seq, version = res[0].Seq, res[0].Seq
		stored = append(stored, e)
	}
	t.Fatalf("%d appends and the store is not full", limit)
	return nil, nil
}

// checkFullError checks that err is a clean store_full error.
func checkFullError(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, domain.ErrFull) {
		t.Fatalf("got %v, want an error wrapping ErrFull", err)
	}
	if got, want := domain.ErrorCode(err), domain.CodeStoreFull; got != want {
		t.Fatalf("code: got %q, want %q", got, want)
	}
	if got, want := domain.ErrorMessage(err), domain.ErrFull.Message; got != want {
		t.Fatalf("message: got %q, want %q", got, want)
	}
	if msg := err.Error(); strings.Contains(msg, "nats: nats:") || !strings.HasPrefix(msg, "append charger.soc_reported cb.charger.") {
		t.Fatalf("error text %q: want it to start with what was not stored, without doubled prefixes", msg)
	}
}

func TestFullStoreResumesWhenLimitRaised(t *testing.T) {
	srv, st := startSmall(t, eventstore.EmbeddedConfig{DataDir: t.TempDir(), MaxStore: 256 << 10, CheckEvery: 100 * time.Millisecond})
	key := domain.ChargerKey(newCharger("full"))
	stored, err := fillUp(t, st, key, 20000)
	checkFullError(t, err)
	t.Logf("full after %d events: %v", len(stored), err)

	testkit.CheckFor(t, 5*time.Second, func() error {
		if err := st.Ready(ctxT(t)); !errors.Is(err, domain.ErrFull) {
			return fmt.Errorf("ready: got %v, want an error wrapping ErrFull", err)
		}
		return nil
	})
	sameEvents(t, loadOK(t, st, key, 0), stored)
	if !st.Full() {
		t.Fatalf("full: got false, want true")
	}

	if err := srv.SetMaxStore(4 << 20); err != nil {
		t.Fatalf("set max store: %v", err)
	}
	if got, want := srv.MaxStore(), int64(4<<20); got != want {
		t.Fatalf("max store: got %d, want %d", got, want)
	}
	testkit.CheckFor(t, 5*time.Second, func() error {
		e := reading(key.ID, 99)
		res, err := st.Append(ctxT(t), key, domain.AnyVersion, []domain.Event{e})
		if err != nil {
			return err
		}
		e.Seq = res[0].Seq
		stored = append(stored, e)
		return nil
	})
	testkit.CheckFor(t, 5*time.Second, func() error { return st.Ready(ctxT(t)) })
	sameEvents(t, loadOK(t, st, key, 0), stored)

	// Lowering the limit below what is stored makes the store full again.
	if err := srv.SetMaxStore(64 << 10); err != nil {
		t.Fatalf("lower max store: %v", err)
	}
	testkit.CheckFor(t, 5*time.Second, func() error {
		_, err := st.Append(ctxT(t), key, domain.AnyVersion, []domain.Event{reading(key.ID, 1)})
		if !errors.Is(err, domain.ErrFull) {
			return fmt.Errorf("append after lowering: got %v, want ErrFull", err)
		}
		return nil
	})
	sameEvents(t, loadOK(t, st, key, 0), stored)
}

// smallDisk mounts an 8 MiB tmpfs on a fresh directory; it skips the test
// when that is not allowed (not root, no mount).
func smallDisk(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small filesystem needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fillDisk writes a file in dir until the disk is full.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatalf("create filler: %v", err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill disk: %v", err)
			}
			return
		}
	}
}

// TestFullDiskResumesWhenSpaceReturns fills the disk under the store:
// with the limit following the disk, writes are refused cleanly; with a
// limit beyond the disk, a write fails on the full disk and the stream
// stops writing. Either way appends fail with ErrFull, nothing stored is
// lost, and once the disk has room again writes resume by themselves.
func TestFullDiskResumesWhenSpaceReturns(t *testing.T) {
	tests := []struct {
		name     string
		maxStore int64
	}{
		{"limit follows the disk", 0},
		{"limit beyond the disk", 64 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			disk := smallDisk(t)
			srv, st := startSmall(t, eventstore.EmbeddedConfig{DataDir: filepath.Join(disk, "data"), MaxStore: tt.maxStore, CheckEvery: 100 * time.Millisecond})
			if got := srv.MaxStore(); tt.maxStore == 0 && (got < 4<<20 || got > 8<<20) {
				t.Fatalf("max store from an 8 MiB disk: got %d", got)
			}
			key := domain.ChargerKey(newCharger("disk"))
			evs := readings(key.ID, 50)
			evs = withSeqs(evs, appendOK(t, st, key, 0, evs...))

			filler := filepath.Join(disk, "filler")
			fillDisk(t, filler)
			var err error
			testkit.CheckFor(t, 20*time.Second, func() error {
				e := reading(key.ID, 5)
				var res []domain.Appended
				res, err = st.Append(ctxT(t), key, domain.AnyVersion, []domain.Event{e})
				switch {
				case err == nil:
					e.Seq = res[0].Seq
					evs = append(evs, e)
					return errors.New("append succeeded on a full disk")
				case !errors.Is(err, domain.ErrFull):
					return fmt.Errorf("append on a full disk: got %v, want ErrFull", err)
				}
				return nil
			})
			checkFullError(t, err)
			t.Logf("on a full disk: %v", err)
			testkit.CheckFor(t, 5*time.Second, func() error {
				if err := st.Ready(ctxT(t)); !errors.Is(err, domain.ErrFull) {
					return fmt.Errorf("ready: got %v, want an error wrapping ErrFull", err)
				}
				return nil
			})

			if err := os.Remove(filler); err != nil {
				t.Fatal(err)
			}
			testkit.CheckFor(t, 10*time.Second, func() error {
				e := reading(key.ID, 7)
				res, err := st.Append(ctxT(t), key, domain.AnyVersion, []domain.Event{e})
				if err != nil {
					return err
				}
				e.Seq = res[0].Seq
				evs = append(evs, e)
				return nil
			})
			testkit.CheckFor(t, 5*time.Second, func() error { return st.Ready(ctxT(t)) })
			sameEvents(t, loadOK(t, st, key, 0), evs)
		})
	}
}
