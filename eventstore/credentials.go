package eventstore

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/nats-io/nats.go"
)

// CredentialsFile is the name of the embedded server's credentials in the
// data directory.
const CredentialsFile = "nats-credentials.json"

// Credentials are the user and password the embedded server demands of
// every client (see EmbeddedConfig.Credentials). They are made on first
// start and kept in the data directory, readable by its owner only.
type Credentials struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// Option is the connection option that logs in with c.
func (c Credentials) Option() nats.Option { return nats.UserInfo(c.User, c.Password) }

// valid reports whether c can be used.
func (c Credentials) valid() bool { return c.User != "" && c.Password != "" }

// LoadCredentials reads the credentials kept at path. It refuses a file
// that others than its owner may read or write, saying the chmod that
// mends it, and reports an error wrapping fs.ErrNotExist when there is
// none.
func LoadCredentials(path string) (Credentials, error) {
	var c Credentials
	fi, err := os.Stat(path)
	if err != nil {
		return c, fmt.Errorf("nats credentials: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return c, fmt.Errorf("nats credentials %s may be read or written by others (mode %04o): whoever reads them can write any event into the store; run: chmod 600 %s", path, perm, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("nats credentials: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil || !c.valid() {
		return Credentials{}, fmt.Errorf("nats credentials %s: not {\"user\":…,\"password\":…}; delete the file to make new ones", path)
	}
	return c, nil
}

// LoadOrMakeCredentials reads the credentials at path, or, when there are
// none, makes random ones and writes them there with mode 0600.
func LoadOrMakeCredentials(path string) (Credentials, error) {
	c, err := LoadCredentials(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return c, err
	}
	c = NewCredentials()
	b, _ := json.Marshal(c)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadCredentials(path) // made meanwhile by another process
	}
	if err != nil {
		return Credentials{}, fmt.Errorf("nats credentials: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return Credentials{}, fmt.Errorf("nats credentials: %w", err)
	}
	return c, nil
}

// NewCredentials returns fresh random credentials (user "chargebooth"),
// for a server whose data directory keeps none.
func NewCredentials() Credentials {
	return Credentials{User: "chargebooth", Password: randomSecret()}
}

// randomSecret returns 32 random bytes in URL-safe base64.
func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}
