package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
)

// ServerConfig returns the TLS configuration of a listener serving src's
// certificate: TLS 1.2 at least, HTTP/1.1 only (WebSocket upgrades need
// it). With clientCAs, the listener asks each client for a certificate and
// verifies the one given against clientCAs (a client that gives none still
// connects: the edge decides, see ClientCN).
func ServerConfig(src *Source, clientCAs *x509.CertPool) *tls.Config {
	cfg := &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: src.GetCertificate,
		NextProtos:     []string{"http/1.1"},
	}
	if clientCAs != nil {
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
		cfg.ClientCAs = clientCAs
	}
	return cfg
}

// LoadCertPool reads the PEM CA certificates in file (the CAs that sign
// the chargers' client certificates, --charger-ca).
func LoadCertPool(file string) (*x509.CertPool, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	n := 0
	for len(b) > 0 {
		var block *pem.Block
		if block, b = pem.Decode(b); block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: %w", file, errNoCert)
	}
	return pool, nil
}

// ClientCN returns the subject CN of the client certificate r's TLS
// connection verified; ok is false when r came without TLS or without a
// verified certificate.
func ClientCN(r *http.Request) (cn string, ok bool) {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
		return "", false
	}
	return r.TLS.VerifiedChains[0][0].Subject.CommonName, true
}

// CAHandler serves caPEM, the booth's local CA certificate, for devices and
// phones to install (GET /ca.pem).
func CAHandler(caPEM []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/x-x509-ca-cert")
		w.Header().Set("Content-Disposition", `attachment; filename="chargebooth-ca.pem"`)
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(caPEM)
	})
}
