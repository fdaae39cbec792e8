package tlsconf_test

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/tlsconf"
	"github.com/chargebooth/chargebooth/internal/testkit"
)

// parseCA reads the authority's CA certificate.
func parseCA(tb testing.TB, a *tlsconf.Authority) *x509.Certificate {
	tb.Helper()
	block, _ := pem.Decode(a.CAPEM)
	if block == nil {
		tb.Fatalf("CA PEM %q does not decode", a.CAPEM)
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		tb.Fatal(err)
	}
	return ca
}

func readCert(tb testing.TB, path string) *x509.Certificate {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	block, _ := pem.Decode(b)
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestSelfSignedOnAFreshDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	ss := &tlsconf.SelfSigned{Dir: dir, Hosts: []string{"Booth.Example", "10.1.2.3", "booth.example"}}
	src, a, err := ss.Source()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := a.Made, []string{"CA", "certificate"}; !slices.Equal(got, want) {
		t.Errorf("made %q, want %q", got, want)
	}
	ca := parseCA(t, a)
	if !ca.IsCA || ca.NotAfter.Sub(ca.NotBefore) < 9*365*24*time.Hour {
		t.Errorf("CA: IsCA %v, valid %s; want a CA of ten years", ca.IsCA, ca.NotAfter.Sub(ca.NotBefore))
	}
	if got := a.Fingerprint; !regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(got) {
		t.Errorf("fingerprint %q is not colon hex of 32 bytes", got)
	}
	for _, f := range []struct {
		name string
		perm os.FileMode
	}{{tlsconf.CAKeyFile, 0o600}, {tlsconf.KeyFile, 0o600}, {tlsconf.CAFile, 0o644}, {tlsconf.CertFile, 0o644}} {
		st, err := os.Stat(filepath.Join(dir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != f.perm {
			t.Errorf("%s: mode %v, want %v", f.name, got, f.perm)
		}
	}

	// The server certificate verifies against the CA for every name.
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	leaf := src.Certificate().Leaf
	for _, host := range []string{"localhost", "127.0.0.1", "::1", "booth.example", "10.1.2.3"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: host}); err != nil {
			t.Errorf("certificate for %s: %v", host, err)
		}
	}
	// And a real TLS client trusting only the CA connects.
	addr := serveTLS(t, tlsconf.ServerConfig(src, nil), nil)
	if _, err := servedSerial(addr, roots); err != nil {
		t.Errorf("handshake trusting the CA: %v", err)
	}

	// A second start reuses both: the same fingerprint, the same files.
	before, _ := os.ReadFile(filepath.Join(dir, tlsconf.CertFile))
	again, err := (&tlsconf.SelfSigned{Dir: dir, Hosts: []string{"booth.example", "10.1.2.3"}}).Ensure()
	if err != nil {
		t.Fatal(err)
	}
	if again.Fingerprint != a.Fingerprint || !bytes.Equal(again.CAPEM, a.CAPEM) {
		t.Errorf("second start: fingerprint %s, want %s", again.Fingerprint, a.Fingerprint)
	}
	after, _ := os.ReadFile(filepath.Join(dir, tlsconf.CertFile))
	if len(again.Made) != 0 || !bytes.Equal(before, after) {
		t.Errorf("second start made %q; want the files reused", again.Made)
	}
}

func TestSelfSignedRenews(t *testing.T) {
	dir := t.TempDir()
	first, err := (&tlsconf.SelfSigned{Dir: dir}).Ensure()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		ss    *tlsconf.SelfSigned
		made  []string
		check func(t *testing.T, c *x509.Certificate)
	}{
		{"a new host", &tlsconf.SelfSigned{Dir: dir, Hosts: []string{"192.168.7.1"}}, []string{"certificate"},
			func(t *testing.T, c *x509.Certificate) {
				if err := c.VerifyHostname("192.168.7.1"); err != nil {
					t.Error(err)
				}
			}},
		{"the same hosts", &tlsconf.SelfSigned{Dir: dir, Hosts: []string{"192.168.7.1"}}, nil, nil},
		{"within 30 days of its end", &tlsconf.SelfSigned{Dir: dir, Hosts: []string{"192.168.7.1"},
			Now: func() time.Time { return time.Now().Add(tlsconf.CertValidity - 29*24*time.Hour) }}, []string{"certificate"},
			func(t *testing.T, c *x509.Certificate) {
				if left := time.Until(c.NotAfter); left < tlsconf.CertValidity {
					t.Errorf("renewed certificate ends in %s", left)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := tt.ss.Ensure()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(a.Made, tt.made) {
				t.Errorf("made %q, want %q", a.Made, tt.made)
			}
			if a.Fingerprint != first.Fingerprint {
				t.Errorf("CA changed: %s, want %s", a.Fingerprint, first.Fingerprint)
			}
			if tt.check != nil {
				tt.check(t, readCert(t, a.CertFile))
			}
		})
	}
}

func TestSelfSignedKeepsABrokenCA(t *testing.T) {
	dir := t.TempDir()
	if _, err := (&tlsconf.SelfSigned{Dir: dir}).Ensure(); err != nil {
		t.Fatal(err)
	}
	testkit.WriteFile(t, filepath.Join(dir, tlsconf.CAFile), []byte("damaged"))
	if _, err := (&tlsconf.SelfSigned{Dir: dir}).Ensure(); err == nil {
		t.Fatal("got no error for a damaged CA")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, tlsconf.CAFile)); string(b) != "damaged" {
		t.Errorf("the damaged CA was replaced")
	}
}

func TestDefaultHosts(t *testing.T) {
	got := tlsconf.DefaultHosts()
	for _, want := range []string{"localhost", "127.0.0.1", "::1"} {
		if !slices.Contains(got, want) {
			t.Errorf("DefaultHosts() = %q, want it to hold %q", got, want)
		}
	}
	if h, _ := os.Hostname(); h != "" && !slices.Contains(got, h) {
		t.Errorf("DefaultHosts() = %q, want the host name %q", got, h)
	}
}
