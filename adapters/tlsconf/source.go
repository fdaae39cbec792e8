package tlsconf

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultPoll is how often Watch looks at the certificate files.
const DefaultPoll = 5 * time.Second

// Source is a server certificate loaded from a PEM pair on disk, reloaded
// when the files change. It is safe for concurrent use.
type Source struct {
	certFile, keyFile string
	log               *slog.Logger
	now               func() time.Time
	cur               atomic.Pointer[tls.Certificate]
	// renew, when set, runs before each poll of Watch (self-signed mode:
	// it rewrites the files when the certificate nears its end).
	renew func() error

	mu     sync.Mutex // serialises loads; guards loaded and failed
	loaded stamp      // the files as last loaded
	failed string     // why the files last failed to load (logged once)
}

// stamp is what Watch compares: the files' sizes and modification times.
type stamp struct {
	certSize, keySize int64
	certMod, keyMod   time.Time
}

// Load reads the PEM certificate (with its chain) and key from certFile
// and keyFile. log hears reloads; nil discards.
func Load(certFile, keyFile string, log *slog.Logger) (*Source, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Source{certFile: certFile, keyFile: keyFile, log: log, now: time.Now}
	if err := s.Reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// GetCertificate returns the current certificate; it is
// tls.Config.GetCertificate.
func (s *Source) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return s.cur.Load(), nil
}

// Certificate returns the certificate served now.
func (s *Source) Certificate() *tls.Certificate { return s.cur.Load() }

// Reload reads the pair again and serves it from the next handshake on.
// When it does not load (unreadable, not PEM, key not matching, expired),
// the pair served so far stays and the error says why.
func (s *Source) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.stat()
	if err != nil {
		return err
	}
	return s.load(st)
}

// load reads the pair; s.mu is held.
func (s *Source) load(st stamp) error {
	cert, err := tls.LoadX509KeyPair(s.certFile, s.keyFile)
	if err == nil && cert.Leaf == nil {
		cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0])
	}
	if err == nil && s.now().After(cert.Leaf.NotAfter) {
		err = fmt.Errorf("certificate expired at %s", cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	if err != nil {
		return fmt.Errorf("load %s and %s: %w", s.certFile, s.keyFile, err)
	}
	old := s.cur.Swap(&cert)
	s.loaded, s.failed = st, ""
	if old != nil {
		s.log.Info("TLS certificate reloaded", "file", s.certFile, "subject", cert.Leaf.Subject.CommonName,
			"serial", cert.Leaf.SerialNumber.Text(16), "notAfter", cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

func (s *Source) stat() (stamp, error) {
	c, err := os.Stat(s.certFile)
	if err != nil {
		return stamp{}, fmt.Errorf("certificate: %w", err)
	}
	k, err := os.Stat(s.keyFile)
	if err != nil {
		return stamp{}, fmt.Errorf("key: %w", err)
	}
	return stamp{certSize: c.Size(), keySize: k.Size(), certMod: c.ModTime(), keyMod: k.ModTime()}, nil
}

// poll reloads the pair when the files differ from those last loaded. A
// pair that fails is tried again each poll (the two files are seldom
// written at the same instant) but logged once.
func (s *Source) poll() {
	if s.renew != nil {
		if err := s.renew(); err != nil {
			s.log.Error("TLS certificate not renewed", "err", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.stat()
	if err == nil {
		if st == s.loaded {
			return
		}
		err = s.load(st)
	}
	if err != nil && err.Error() != s.failed {
		s.failed = err.Error()
		s.log.Error("TLS certificate not reloaded; the previous one is still served", "err", err)
	}
}

// Watch polls the files every interval (DefaultPoll when 0) until ctx
// ends, reloading the pair when they change.
func (s *Source) Watch(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = DefaultPoll
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.poll()
		}
	}
}

// errNoCert is returned when a PEM file holds no certificate.
var errNoCert = errors.New("no PEM certificate found")
