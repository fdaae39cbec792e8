package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/tlsconf"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/gorilla/websocket"
)

// withTLS turns on the three TLS listeners on loopback with the pair.
func withTLS(certFile, keyFile string) func(*Main) {
	return func(m *Main) {
		m.Config.TLS.Cert, m.Config.TLS.Key = certFile, keyFile
		m.Config.TLS.HTTPSAddr, m.Config.TLS.ChargerTLSAddr, m.Config.TLS.WidgetTLSAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	}
}

// tlsDialer dials wss:// URLs trusting roots, with client certificates.
func tlsDialer(roots *x509.CertPool, certs ...tls.Certificate) *websocket.Dialer {
	return &websocket.Dialer{HandshakeTimeout: 5 * time.Second, TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: certs}}
}

func mustTLSDial(tb testing.TB, url string, roots *x509.CertPool, certs ...tls.Certificate) *wsClient {
	tb.Helper()
	return dialWith(tb, tlsDialer(roots, certs...), url, nil)
}

func httpsClient(roots *x509.CertPool) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
}

// getWith does GET url with the staff token and returns status and body.
func getWith(tb testing.TB, c *http.Client, url string) (int, string) {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// servedSerial is the serial of the certificate addr shows a client.
func servedSerial(addr string, roots *x509.CertPool) (int64, error) {
	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots})
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].SerialNumber.Int64(), nil
}

func TestTLSEverywhere(t *testing.T) {
	ca := testkit.NewCA(t, "site CA")
	certFile, keyFile := ca.WritePair(t, t.TempDir(), 1)
	m := startMain(t, t.TempDir(), withTLS(certFile, keyFile), func(m *Main) { m.Config.ChargerAddr = "off" })
	if m.ChargerURL != "" {
		t.Errorf("plain charger listener at %q, want it off", m.ChargerURL)
	}
	out := m.Stdout.(*testkit.SyncBuffer).String()
	for _, want := range []string{"wss://" + m.tls.ChargerTLSURL + "/chargers/", "wss://" + m.tls.WidgetTLSURL + "/widgets/", "https://" + m.tls.HTTPSURL + "/  (sign in"} {
		if !strings.Contains(out, want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "WARNING") {
		t.Errorf("banner warns with every plain listener on loopback:\n%s", out)
	}
	if strings.Contains(out, "?token=") {
		t.Errorf("banner puts a token in an address:\n%s", out)
	}

	https := "https://" + m.tls.HTTPSURL
	c := httpsClient(ca.Pool)
	t.Run("dashboard and staff API over https", func(t *testing.T) {
		if status, body := getWith(t, c, https+"/"); status != http.StatusOK || !strings.Contains(body, "<html") {
			t.Errorf("dashboard: got %d %.80q, want the page", status, body)
		}
		var chargers map[string]any
		if status, body := getWith(t, c, https+"/api/chargers"); status != http.StatusOK || json.Unmarshal([]byte(body), &chargers) != nil {
			t.Errorf("GET /api/chargers: got %d %q", status, body)
		}
		resp, err := c.Get(https + "/api/chargers")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("without the token: got %d, want 401", resp.StatusCode)
		}
	})

	widget := mustTLSDial(t, "wss://"+m.tls.WidgetTLSURL+"/widgets/wABCD", ca.Pool)
	live := mustTLSDial(t, "wss://"+m.tls.HTTPSURL+"/api/live?token="+testToken, ca.Pool)
	live.send(`{"action":"subscribe","chargerId":"*"}`)
	if b := live.next(5 * time.Second); !strings.Contains(string(b), `"subscribed"`) {
		t.Fatalf("live feed: got %s, want the subscription", b)
	}
	charger := mustTLSDial(t, "wss://"+m.tls.ChargerTLSURL+"/chargers/c1234", ca.Pool)
	charger.send(reading("85"))
	if got := widget.status(5 * time.Second); got != "charging80" {
		t.Errorf("widget over wss: got %q, want charging80", got)
	}
	testkit.CheckFor(t, 5*time.Second, func() error {
		b := live.next(5 * time.Second)
		if !strings.Contains(string(b), `"c1234"`) || !strings.Contains(string(b), "85") {
			return fmt.Errorf("live feed frame %s is not the reading", b)
		}
		return nil
	})

	// A plain client cannot speak to a TLS listener.
	if ws, _, err := websocket.DefaultDialer.Dial("ws://"+m.tls.ChargerTLSURL+"/chargers/c1234", nil); err == nil {
		ws.Close()
		t.Errorf("plain ws:// to the TLS charger listener connected")
	}
}

func TestTLSCertificateRotation(t *testing.T) {
	ca := testkit.NewCA(t, "site CA")
	dir := t.TempDir()
	certFile, keyFile := ca.WritePair(t, dir, 1)
	poll := 20 * time.Millisecond
	m := startMain(t, t.TempDir(), withTLS(certFile, keyFile), func(m *Main) { m.Config.TLS.poll = poll })
	wantSerial := func(addr string, want int64) {
		t.Helper()
		testkit.CheckFor(t, 10*time.Second, func() error {
			got, err := servedSerial(addr, ca.Pool)
			if err != nil {
				return err
			}
			if got != want {
				return fmt.Errorf("%s serves serial %d, want %d", addr, got, want)
			}
			return nil
		})
	}
	addrs := []string{m.tls.HTTPSURL, m.tls.ChargerTLSURL, m.tls.WidgetTLSURL}
	for _, a := range addrs {
		wantSerial(a, 1)
	}
	widget := mustTLSDial(t, "wss://"+m.tls.WidgetTLSURL+"/widgets/wABCD", ca.Pool)

	ca.WritePair(t, dir, 2)
	for _, a := range addrs {
		wantSerial(a, 2)
	}
	// Bad files keep the pair served.
	testkit.WriteFile(t, certFile, []byte("not a certificate"))
	testkit.HoldsFor(t, 10*poll, func() error {
		got, err := servedSerial(m.tls.HTTPSURL, ca.Pool)
		if err != nil || got != 2 {
			return fmt.Errorf("after a bad file: serial %d, %v; want 2", got, err)
		}
		return nil
	})
	// And the socket opened before the rotation is still served.
	charger := mustTLSDial(t, "wss://"+m.tls.ChargerTLSURL+"/chargers/c1234", ca.Pool)
	charger.send(reading("30"))
	if got := widget.status(5 * time.Second); got != "charging" {
		t.Errorf("widget connected before the rotation: got %q, want charging", got)
	}
}

func TestTLSReloadOnSIGHUP(t *testing.T) {
	ca := testkit.NewCA(t, "site CA")
	dir := t.TempDir()
	certFile, keyFile := ca.WritePair(t, dir, 1)
	m := startMain(t, t.TempDir(), withTLS(certFile, keyFile), func(m *Main) { m.Config.TLS.poll = time.Hour })
	ca.WritePair(t, dir, 3)
	if got, _ := servedSerial(m.tls.HTTPSURL, ca.Pool); got != 1 {
		t.Fatalf("serial %d before SIGHUP, want 1 (nothing polls within an hour)", got)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	testkit.CheckFor(t, 10*time.Second, func() error {
		if got, err := servedSerial(m.tls.HTTPSURL, ca.Pool); err != nil || got != 3 {
			return fmt.Errorf("serial %d, %v; want 3", got, err)
		}
		return nil
	})
}

func TestTLSSelfSignedOnAFreshDataDir(t *testing.T) {
	dataDir := t.TempDir()
	selfSigned := func(m *Main) {
		m.Config.TLS.SelfSigned = true
		m.Config.TLS.HTTPSAddr, m.Config.TLS.ChargerTLSAddr, m.Config.TLS.WidgetTLSAddr = "127.0.0.1:0", "127.0.0.1:0", "off"
	}
	m := startMain(t, dataDir, selfSigned)
	fp := m.tls.authority.Fingerprint
	if out := m.Stdout.(*testkit.SyncBuffer).String(); !strings.Contains(out, "SHA-256 "+fp) || !strings.Contains(out, "/ca.pem") {
		t.Errorf("banner lacks the CA fingerprint %s and /ca.pem:\n%s", fp, out)
	}
	for _, f := range []string{tlsconf.CAFile, tlsconf.CAKeyFile, tlsconf.CertFile, tlsconf.KeyFile} {
		if _, err := os.Stat(filepath.Join(dataDir, "tls", f)); err != nil {
			t.Errorf("self-signed file: %v", err)
		}
	}

	// The CA is downloadable over plain HTTP (to be checked against the
	// printed fingerprint), and then the https listener verifies with it.
	resp, err := http.Get("http://" + m.HTTPURL + "/ca.pem")
	if err != nil {
		t.Fatal(err)
	}
	caPEM, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	block, _ := pem.Decode(caPEM)
	if block == nil {
		t.Fatalf("GET /ca.pem: %d %q, want a PEM certificate", resp.StatusCode, caPEM)
	}
	caCert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if got := tlsconf.Fingerprint(caCert); got != fp {
		t.Errorf("downloaded CA fingerprint %s, banner says %s", got, fp)
	}
	roots := x509.NewCertPool()
	roots.AddCert(caCert)
	for _, host := range []string{m.tls.HTTPSURL, strings.Replace(m.tls.HTTPSURL, "127.0.0.1", "localhost", 1)} {
		if status, _ := getWith(t, httpsClient(roots), "https://"+host+"/healthz"); status != http.StatusOK {
			t.Errorf("https://%s/healthz verified against the CA: got %d", host, status)
		}
	}
	mustTLSDial(t, "wss://"+m.tls.ChargerTLSURL+"/chargers/c1234", roots)

	// A second start on the same data dir keeps the CA.
	m.Close()
	again := startMain(t, dataDir, selfSigned)
	if got := again.tls.authority.Fingerprint; got != fp {
		t.Errorf("second start: CA fingerprint %s, want %s", got, fp)
	}
	if len(again.tls.authority.Made) != 0 {
		t.Errorf("second start made %q, want the files reused", again.tls.authority.Made)
	}
}

func TestChargerClientCertificates(t *testing.T) {
	siteCA := testkit.NewCA(t, "site CA")
	chargerCA := testkit.NewCA(t, "charger CA")
	dir := t.TempDir()
	certFile, keyFile := siteCA.WritePair(t, dir, 1)
	caFile := chargerCA.WritePEM(t, filepath.Join(dir, "charger-ca.pem"))
	m := startMain(t, t.TempDir(), withTLS(certFile, keyFile), func(m *Main) { m.Config.TLS.ChargerCA = caFile })
	base := "wss://" + m.tls.ChargerTLSURL + "/chargers/"
	good := chargerCA.Issue(t, 10, "c1234", true, time.Now().Add(time.Hour))
	other := chargerCA.Issue(t, 11, "c9999", true, time.Now().Add(time.Hour))

	before := lastSeq(t, m)
	refused := []struct {
		name   string
		id     string
		certs  []tls.Certificate
		status int
		reason string
	}{
		{"wrong CN", "c5555", []tls.Certificate{other}, http.StatusForbidden, `client certificate CN "c9999" does not match charger id "c5555"`},
		{"another charger's certificate", "c1234", []tls.Certificate{other}, http.StatusForbidden, `client certificate CN "c9999" does not match charger id "c1234"`},
		{"no certificate", "c5555", nil, http.StatusUnauthorized, "client certificate required"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			status, reason := testkit.DialRefusedWith(t, tlsDialer(siteCA.Pool, tt.certs...), base+tt.id, nil)
			if status != tt.status || reason != tt.reason {
				t.Errorf("got %d %q, want %d %q", status, reason, tt.status, tt.reason)
			}
		})
	}
	t.Run("plain charger without a certificate", func(t *testing.T) {
		if status, reason := testkit.DialRefused(t, "ws://"+m.ChargerURL+"/chargers/c5555", nil); status != http.StatusUnauthorized {
			t.Errorf("got %d %q, want 401", status, reason)
		}
	})
	if got := lastSeq(t, m); got != before {
		t.Errorf("stream sequence %d after the refusals, want %d (nothing stored)", got, before)
	}
	if status := api(t, m, http.MethodGet, "/api/chargers/c5555", "", nil); status != http.StatusNotFound {
		t.Errorf("GET /api/chargers/c5555: got %d, want 404", status)
	}

	t.Run("good certificate", func(t *testing.T) {
		widget := dialWidget(t, m, "wABCD")
		c := mustTLSDial(t, base+"c1234", siteCA.Pool, good)
		c.send(reading("100"))
		if got := widget.status(5 * time.Second); got != "charged" {
			t.Errorf("widget: got %q, want charged", got)
		}
	})
}

func TestChargerProfile2FallsBackToBasic(t *testing.T) {
	siteCA := testkit.NewCA(t, "site CA")
	chargerCA := testkit.NewCA(t, "charger CA")
	dir := t.TempDir()
	certFile, keyFile := siteCA.WritePair(t, dir, 1)
	caFile := chargerCA.WritePEM(t, filepath.Join(dir, "charger-ca.pem"))
	authFile := writeAuthFile(t, map[string]string{"c1234": "s3cret"})
	m := startMain(t, t.TempDir(), withTLS(certFile, keyFile), func(m *Main) {
		m.Config.TLS.ChargerCA, m.Config.ChargerAuth = caFile, authFile
	})
	url := "wss://" + m.tls.ChargerTLSURL + "/chargers/c1234"
	d := websocket.Dialer{TLSClientConfig: &tls.Config{RootCAs: siteCA.Pool}}
	tests := []struct {
		name   string
		header http.Header
		status int
	}{
		{"right password", basicAuth("c1234", "s3cret"), http.StatusSwitchingProtocols},
		{"wrong password", basicAuth("c1234", "nope"), http.StatusUnauthorized},
		{"none", nil, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, resp, err := d.Dial(url, tt.header)
			if err == nil {
				ws.Close()
			}
			if resp == nil || resp.StatusCode != tt.status {
				t.Errorf("got %v (%s), want %d", err, respText(resp), tt.status)
			}
		})
	}
}

func TestWebSocketsOutliveHTTPTimeouts(t *testing.T) {
	const short = 200 * time.Millisecond
	m := startMain(t, t.TempDir(), func(m *Main) {
		m.Config.TLS.ReadTimeout, m.Config.TLS.WriteTimeout, m.Config.TLS.IdleTimeout = short, short, short
		m.Config.RemoteTimeout = 50 * time.Millisecond
	})
	widget := dialWidget(t, m, "wABCD")
	charger := dialCharger(t, m, "c1234")
	live := dial(t, "ws://"+m.HTTPURL+"/api/live?token="+testToken, nil)
	open := func() error {
		for name, c := range map[string]*wsClient{"widget": widget, "charger": charger, "live feed": live} {
			select {
			case err := <-c.closed:
				return fmt.Errorf("%s socket closed: %v", name, err)
			default:
			}
		}
		return nil
	}
	testkit.HoldsFor(t, 5*short, open)
	live.send(`{"action":"subscribe","chargerId":"c1234"}`)
	live.next(5 * time.Second)
	charger.send(reading("50"))
	if got := widget.status(5 * time.Second); got != "charging" {
		t.Errorf("widget after %s: got %q, want charging", 5*short, got)
	}
	live.next(5 * time.Second)

	// An idle keep-alive connection is closed after the idle timeout.
	c, err := net.Dial("tcp", m.HTTPURL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: booth\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	start := time.Now()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Errorf("idle keep-alive connection: got %v, want EOF", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("idle keep-alive connection closed after %s, want about %s", took, short)
	}
}

func TestIdleConnectionFloodIsCapped(t *testing.T) {
	m := startMain(t, t.TempDir(), func(m *Main) {
		m.Config.TLS.MaxConnsPerIP, m.Config.TLS.ConnsExempt = 100, "none"
	})
	const flood = 2000
	for i := range flood {
		c, err := net.Dial("tcp", m.WidgetURL)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		defer c.Close()
	}
	from := func(ip string) *http.Client {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
		return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
	}
	// The flood's source is refused on the widget port, and told why.
	testkit.CheckFor(t, 10*time.Second, func() error {
		resp, err := from("127.0.0.1").Get("http://" + m.WidgetURL + "/widgets/wABCD")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if got, want := fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(string(b))), "503 too many connections from 127.0.0.1 (cap 100)"; got != want {
			return fmt.Errorf("got %q, want %q", got, want)
		}
		return nil
	})
	// The staff API still answers the same source (its listener has its
	// own caps), and a widget from another source still connects.
	if status, _ := getWith(t, from("127.0.0.1"), "http://"+m.HTTPURL+"/api/chargers"); status != http.StatusOK {
		t.Errorf("staff API during the flood: got %d, want 200", status)
	}
	d := websocket.Dialer{NetDial: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).Dial}
	ws, resp, err := d.Dial("ws://"+m.WidgetURL+"/widgets/wOther", nil)
	if err != nil {
		t.Fatalf("widget from 127.0.0.2 during the flood: %v (%s)", err, respText(resp))
	}
	ws.Close()
	// The refusals are counted.
	testkit.CheckFor(t, 10*time.Second, func() error {
		_, body := getWith(t, from("127.0.0.2"), "http://"+m.HTTPURL+"/metrics")
		for _, line := range strings.Split(body, "\n") {
			if strings.HasPrefix(line, `chargebooth_connections_refused_total{listener="widget",reason="per_ip"}`) {
				var n float64
				fmt.Sscan(line[strings.LastIndex(line, " ")+1:], &n)
				if n >= flood-100 {
					return nil
				}
				return fmt.Errorf("%s, want at least %d", line, flood-100)
			}
		}
		return errors.New("no refusals counted in /metrics")
	})
}

func TestPlainListenerBeyondLoopbackWarns(t *testing.T) {
	m := startMain(t, t.TempDir(), func(m *Main) { m.Config.WidgetAddr = ":0" })
	out := m.Stdout.(*testkit.SyncBuffer).String()
	if !strings.Contains(out, "WARNING    plain-text widget") {
		t.Errorf("banner lacks the warning for the widget listener on every address:\n%s", out)
	}
	if strings.Contains(out, "plain-text charger") || strings.Contains(out, "plain-text http") {
		t.Errorf("banner warns of a loopback listener:\n%s", out)
	}
}
