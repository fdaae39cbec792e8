package tlsconf_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/tlsconf"
	"github.com/chargebooth/chargebooth/internal/testkit"
)

func TestClientCN(t *testing.T) {
	serverCA := testkit.NewCA(t, "server CA")
	chargerCA := testkit.NewCA(t, "charger CA")
	stranger := testkit.NewCA(t, "stranger CA")
	dir := t.TempDir()
	certFile, keyFile := serverCA.WritePair(t, dir, 1)
	src, err := tlsconf.Load(certFile, keyFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	caFile := chargerCA.WritePEM(t, filepath.Join(dir, "chargers.pem"))
	pool, err := tlsconf.LoadCertPool(caFile)
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, tlsconf.ServerConfig(src, pool), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cn, ok := tlsconf.ClientCN(r)
		fmt.Fprintf(w, "%s %v", cn, ok)
	}))
	tests := []struct {
		name string
		by   *testkit.CA // nil: no client certificate
		want string      // the answer, or part of the error
	}{
		{"verified certificate", chargerCA, "c1234 true"},
		{"no certificate", nil, " false"},
		{"certificate of another CA", stranger, "tls: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &tls.Config{RootCAs: serverCA.Pool}
			if tt.by != nil {
				pair := tt.by.Issue(t, 7, "c1234", true, time.Now().Add(time.Hour))
				// Sent even when the server's acceptable CAs do not list its
				// issuer (a client would skip it then).
				cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
			}
			client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
			resp, err := client.Get("https://" + addr + "/")
			if err != nil {
				if !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("got error %v, want %q", err, tt.want)
				}
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if got := string(b); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if _, ok := tlsconf.ClientCN(&http.Request{}); ok {
		t.Errorf("ClientCN of a plain request: ok")
	}
}

func TestLoadCertPool(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content []byte
		ok      bool
	}{
		{"one CA", testkit.NewCA(t, "a").PEM(), true},
		{"two CAs", append(testkit.NewCA(t, "a").PEM(), testkit.NewCA(t, "b").PEM()...), true},
		{"no certificate", []byte("-----BEGIN EC PRIVATE KEY-----\nAA==\n-----END EC PRIVATE KEY-----\n"), false},
		{"empty", nil, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := filepath.Join(dir, fmt.Sprint(i))
			testkit.WriteFile(t, f, tt.content)
			_, err := tlsconf.LoadCertPool(f)
			if got := err == nil; got != tt.ok {
				t.Errorf("got error %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestCAHandler(t *testing.T) {
	pem := testkit.NewCA(t, "a").PEM()
	tests := []struct {
		method string
		status int
	}{{http.MethodGet, http.StatusOK}, {http.MethodHead, http.StatusOK}, {http.MethodPost, http.StatusMethodNotAllowed}}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			w := httptest.NewRecorder()
			tlsconf.CAHandler(pem).ServeHTTP(w, httptest.NewRequest(tt.method, "/ca.pem", nil))
			if w.Code != tt.status {
				t.Fatalf("got %d, want %d", w.Code, tt.status)
			}
			if ct := w.Header().Get("Content-Type"); tt.method == http.MethodGet && (w.Body.String() != string(pem) || ct != "application/x-x509-ca-cert") {
				t.Errorf("got %q (%s), want the CA PEM", w.Body.String(), ct)
			}
		})
	}
}
