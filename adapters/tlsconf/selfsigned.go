package tlsconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// The files SelfSigned keeps in its directory. Keys are written 0600.
const (
	CAFile    = "ca.pem"
	CAKeyFile = "ca-key.pem"
	CertFile  = "cert.pem"
	KeyFile   = "key.pem"
)

// Lifetimes of what SelfSigned makes.
const (
	CAValidity   = 10 * 365 * 24 * time.Hour
	CertValidity = 397 * 24 * time.Hour // the most phones accept for a server certificate
	RenewBefore  = 30 * 24 * time.Hour  // a certificate this close to its end is made again
	renewCheck   = time.Hour            // how often a watched Source checks for renewal
)

// Authority is what a booth in self-signed mode tells devices: its CA and
// where its server certificate is.
type Authority struct {
	// CAPEM is the local CA certificate in PEM, for devices to install.
	CAPEM []byte
	// Fingerprint is the SHA-256 of the CA certificate, colon-separated
	// upper-case hex ("AB:CD:…"), for staff to check what they installed.
	Fingerprint string
	// CertFile and KeyFile are the server certificate and key.
	CertFile, KeyFile string
	// Made lists what this call made: "CA", "certificate", both or neither.
	Made []string
}

// SelfSigned keeps a local CA and a server certificate it signed in Dir.
type SelfSigned struct {
	// Dir holds the files (made 0700 when missing).
	Dir string
	// Hosts are the names and IP addresses the server certificate must
	// cover besides localhost, 127.0.0.1 and ::1 (see DefaultHosts).
	Hosts []string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Log hears what is made; nil discards.
	Log *slog.Logger

	mu sync.Mutex // serialises Ensure
}

// Ensure makes what is missing in Dir and returns the authority: the CA
// when there is none (or it nears its end), the server certificate when
// there is none, it is not the CA's, it nears its end or does not cover
// every host. What exists and is good is reused, so the CA's fingerprint is
// the same from one start to the next. A CA file that exists but does not
// load is an error: devices trust it, so it is never replaced silently.
func (s *SelfSigned) Ensure() (*Authority, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("self-signed dir: %w", err)
	}
	a := &Authority{CertFile: filepath.Join(s.Dir, CertFile), KeyFile: filepath.Join(s.Dir, KeyFile)}
	ca, caKey, err := loadPair(filepath.Join(s.Dir, CAFile), filepath.Join(s.Dir, CAKeyFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		ca, caKey, err = s.makeCA(now())
		a.Made = append(a.Made, "CA")
	case err != nil:
		return nil, fmt.Errorf("local CA in %s: %w", s.Dir, err)
	case now().Add(RenewBefore).After(ca.NotAfter):
		log.Warn("local CA near its end: making a new one; devices must install it again", "notAfter", ca.NotAfter)
		ca, caKey, err = s.makeCA(now())
		a.Made = append(a.Made, "CA")
	}
	if err != nil {
		return nil, err
	}
	hosts := normalHosts(s.Hosts)
	cert, _, err := loadPair(a.CertFile, a.KeyFile)
	if err != nil || slices.Contains(a.Made, "CA") || !good(cert, ca, hosts, now()) {
		if err := s.makeCert(ca, caKey, hosts, now()); err != nil {
			return nil, err
		}
		a.Made = append(a.Made, "certificate")
	}
	a.CAPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw})
	a.Fingerprint = Fingerprint(ca)
	if len(a.Made) > 0 {
		log.Info("self-signed TLS made", "dir", s.Dir, "made", strings.Join(a.Made, ", "), "hosts", strings.Join(hosts, ","), "ca", a.Fingerprint)
	}
	return a, nil
}

// Source ensures the files (see Ensure) and returns a Source serving the
// server certificate; its Watch also renews the certificate when it nears
// its end (checked hourly).
func (s *SelfSigned) Source() (*Source, *Authority, error) {
	a, err := s.Ensure()
	if err != nil {
		return nil, nil, err
	}
	src, err := Load(a.CertFile, a.KeyFile, s.Log)
	if err != nil {
		return nil, nil, err
	}
	if s.Now != nil {
		src.now = s.Now
	}
	var last time.Time
	src.renew = func() error {
		if t := src.now(); t.Sub(last) >= renewCheck {
			last = t
			_, err := s.Ensure()
			return err
		}
		return nil
	}
	return src, a, nil
}

// Fingerprint returns the SHA-256 of c's DER bytes as colon-separated
// upper-case hex.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// DefaultHosts returns the names a self-signed certificate covers with no
// others given: localhost, 127.0.0.1, ::1, the host name (and its .local
// mDNS name) and the unicast addresses of this machine's interfaces, by
// which phones on the site's network reach the booth.
func DefaultHosts() []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if h, err := os.Hostname(); err == nil && h != "" {
		hosts = append(hosts, h)
		if !strings.Contains(h, ".") {
			hosts = append(hosts, h+".local")
		}
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.IsGlobalUnicast() {
			hosts = append(hosts, ipn.IP.String())
		}
	}
	return hosts
}

// normalHosts adds the loopback names, lower-cases, drops empties and
// duplicates, and sorts (so a certificate is checked against a stable list).
func normalHosts(in []string) []string {
	out := []string{"localhost", "127.0.0.1", "::1"}
	for _, h := range in {
		h = strings.ToLower(strings.TrimSpace(h))
		if ip := net.ParseIP(h); ip != nil {
			h = ip.String()
		}
		if h != "" {
			out = append(out, h)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// good says whether cert is ca's, valid for a while yet and covers hosts.
func good(cert, ca *x509.Certificate, hosts []string, now time.Time) bool {
	if cert.CheckSignatureFrom(ca) != nil || now.Before(cert.NotBefore) || now.Add(RenewBefore).After(cert.NotAfter) {
		return false
	}
	for _, h := range hosts {
		if cert.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

// loadPair reads a PEM certificate and its ECDSA key.
func loadPair(certFile, keyFile string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, nil, err
	}
	key, ok := pair.PrivateKey.(*ecdsa.PrivateKey)
	if !ok {
		return nil, nil, fmt.Errorf("%s: not an ECDSA key", keyFile)
	}
	leaf := pair.Leaf
	if leaf == nil {
		if leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return nil, nil, err
		}
	}
	return leaf, key, nil
}

func (s *SelfSigned) makeCA(now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: strings.TrimSpace("chargebooth local CA " + host), Organization: []string{"chargebooth"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(CAValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	ca, err := s.sign(tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	if err := writePair(filepath.Join(s.Dir, CAFile), filepath.Join(s.Dir, CAKeyFile), ca, key); err != nil {
		return nil, nil, err
	}
	return ca, key, nil
}

func (s *SelfSigned) makeCert(ca *x509.Certificate, caKey *ecdsa.PrivateKey, hosts []string, now time.Time) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "chargebooth", Organization: []string{"chargebooth"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(CertValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	for _, h := range hosts {
		if h != "localhost" && net.ParseIP(h) == nil {
			tmpl.Subject.CommonName = h
			break
		}
	}
	cert, err := s.sign(tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	return writePair(filepath.Join(s.Dir, CertFile), filepath.Join(s.Dir, KeyFile), cert, key)
}

// sign makes a certificate with a random 128-bit serial.
func (s *SelfSigned) sign(tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, by *ecdsa.PrivateKey) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, by)
	if err != nil {
		return nil, fmt.Errorf("make certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}

// writePair writes the key (0600) and then the certificate (0644), each
// by rename so a reader never sees half a file.
func writePair(certFile, keyFile string, cert *x509.Certificate, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := writeAtomic(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return err
	}
	return writeAtomic(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644)
}

func writeAtomic(path string, b []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after the rename, a no-op
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
