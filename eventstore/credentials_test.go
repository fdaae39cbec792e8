package eventstore_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/nats-io/nats.go"
)

func TestCredentialsAreMadeOnceAndKeptPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), eventstore.CredentialsFile)
	if _, err := eventstore.LoadCredentials(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("load before any: got %v, want not exist", err)
	}
	c, err := eventstore.LoadOrMakeCredentials(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.User == "" || len(c.Password) < 40 {
		t.Errorf("made %+v, want a user and a long random password", c)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("mode: got %04o, want 0600", got)
	}
	again, err := eventstore.LoadOrMakeCredentials(path)
	if err != nil || again != c {
		t.Errorf("second start: got %+v, %v, want the same credentials", again, err)
	}
	other, _ := eventstore.LoadOrMakeCredentials(filepath.Join(t.TempDir(), eventstore.CredentialsFile))
	if other.Password == c.Password {
		t.Error("two data directories got the same password")
	}
}

func TestCredentialsRefused(t *testing.T) {
	tests := []struct {
		name string
		body string
		mode os.FileMode
		want string
	}{
		{"readable by the group", `{"user":"u","password":"p"}`, 0o640, "chmod 600"},
		{"readable by anyone", `{"user":"u","password":"p"}`, 0o644, "chmod 600"},
		{"writable by anyone", `{"user":"u","password":"p"}`, 0o602, "chmod 600"},
		{"not json", `user=u`, 0o600, "delete the file"},
		{"no password", `{"user":"u"}`, 0o600, "delete the file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), eventstore.CredentialsFile)
			if err := os.WriteFile(path, []byte(tt.body), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			_, err := eventstore.LoadOrMakeCredentials(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error saying %q", err, tt.want)
			}
			if tt.want == "chmod 600" && !strings.Contains(err.Error(), path) {
				t.Errorf("the refusal does not name the file: %v", err)
			}
		})
	}
}

// TestEmbeddedDemandsCredentials: a client without the credentials is
// refused; with them it stores and reads events, also in process.
func TestEmbeddedDemandsCredentials(t *testing.T) {
	dir := t.TempDir()
	c, err := eventstore.LoadOrMakeCredentials(filepath.Join(dir, eventstore.CredentialsFile))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := eventstore.StartEmbedded(eventstore.EmbeddedConfig{DataDir: filepath.Join(dir, "js"), Listen: "127.0.0.1:-1", Credentials: &c})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	for name, opts := range map[string][]nats.Option{
		"none":           nil,
		"wrong password": {nats.UserInfo(c.User, "guess")},
		"token":          {nats.Token(c.Password)},
	} {
		t.Run(name, func(t *testing.T) {
			nc, err := nats.Connect(srv.ClientURL(), append(opts, nats.Timeout(2*time.Second))...)
			if err == nil {
				nc.Close()
				t.Fatal("connected without the credentials")
			}
			if !errors.Is(err, nats.ErrAuthorization) && !strings.Contains(strings.ToLower(err.Error()), "authorization violation") {
				t.Errorf("got %v, want an authorization violation", err)
			}
		})
	}
	for name, connect := range map[string]func() (*nats.Conn, error){
		"tcp":        func() (*nats.Conn, error) { return nats.Connect(srv.ClientURL(), srv.ClientOptions()...) },
		"in process": func() (*nats.Conn, error) { return srv.Connect() },
	} {
		t.Run(name, func(t *testing.T) {
			nc, err := connect()
			if err != nil {
				t.Fatalf("connect with the credentials: %v", err)
			}
			t.Cleanup(nc.Close)
			st, err := eventstore.Open(ctxT(t), nc, eventstore.Config{})
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			t.Cleanup(st.Close)
			key := domain.ChargerKey("c-" + strings.ReplaceAll(name, " ", ""))
			appendOK(t, st, key, 0, readings(key.ID, 2)...)
			got, err := st.Load(ctxT(t), key, 0)
			if err != nil || len(got) != 2 {
				t.Fatalf("load: %d events, %v", len(got), err)
			}
		})
	}
	t.Run("credentials without a password", func(t *testing.T) {
		_, err := eventstore.StartEmbedded(eventstore.EmbeddedConfig{DataDir: t.TempDir(), Listen: "127.0.0.1:-1", Credentials: &eventstore.Credentials{User: "u"}})
		if err == nil || !strings.Contains(err.Error(), "credentials") {
			t.Fatalf("got %v, want a refusal", err)
		}
	})
}
