package wsconn_test

import (
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chargebooth/chargebooth/adapters/wsconn"
	"github.com/gorilla/websocket"
)

func TestNormalizeOrigin(t *testing.T) {
	tests := []struct {
		in, want string // want "" is an error
	}{
		{"http://booth.example", "http://booth.example:80"},
		{"https://booth.example", "https://booth.example:443"},
		{"HTTPS://Booth.Example:443/", "https://booth.example:443"},
		{"http://10.0.0.5:3000", "http://10.0.0.5:3000"},
		{"http://[::1]:3000", "http://[::1]:3000"},
		{"http://[::1]", "http://[::1]:80"},
		{" https://booth.example:8443 ", "https://booth.example:8443"},
		{"null", ""},
		{"", ""},
		{"booth.example", ""},
		{"ws://booth.example", ""},
		{"file://", ""},
		{"chrome-extension://abcdef", ""},
		{"https://booth.example/path", ""},
		{"https://user@booth.example", ""},
		{"https://booth.example?x=1", ""},
		{"https://booth.example#x", ""},
		{"https://booth.example:0", ""},
		{"https://booth.example:65536", ""},
		{"https://booth.example:080", ""},
		{"https://booth.example:http", ""},
		{"https://:443", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := wsconn.NormalizeOrigin(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("got %q, want an error", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q (%v), want %q", got, err, tt.want)
			}
		})
	}
}

func TestOriginPolicy(t *testing.T) {
	live := wsconn.OriginConfig{What: "open the live feed", SameOrigin: true,
		Allowed: []string{"https://booth.example/", "HTTP://10.0.0.9:3000"}, Hosts: []string{"Booth.Local"}}
	devices := wsconn.OriginConfig{What: "connect as a charger", Allowed: []string{"https://fleet.example"}}
	proxied := live
	proxied.TrustForwardedProto = true
	tests := []struct {
		name   string
		cfg    wsconn.OriginConfig
		host   string
		tls    bool
		hdr    []string // name, value pairs
		ok     bool
		reason string // part of the refusal
	}{
		{name: "no origin: a device", cfg: devices, host: "10.0.0.5:3100", ok: true},
		{name: "no origin on the live feed", cfg: live, host: "booth.evil:3000", ok: true},
		{name: "same origin by IP", cfg: live, host: "10.0.0.5:3000", hdr: []string{"Origin", "http://10.0.0.5:3000"}, ok: true},
		{name: "same origin, default port", cfg: live, host: "10.0.0.5", hdr: []string{"Origin", "http://10.0.0.5:80"}, ok: true},
		{name: "same origin, case", cfg: live, host: "LOCALHOST:3000", hdr: []string{"Origin", "http://localhost:3000"}, ok: true},
		{name: "same origin, IPv6", cfg: live, host: "[::1]:3000", hdr: []string{"Origin", "http://[::1]:3000"}, ok: true},
		{name: "same origin, configured name", cfg: live, host: "booth.local:3000", hdr: []string{"Origin", "http://booth.local:3000"}, ok: true},
		{name: "same origin over TLS", cfg: live, host: "10.0.0.5:3443", tls: true, hdr: []string{"Origin", "https://10.0.0.5:3443"}, ok: true},
		{name: "other scheme", cfg: live, host: "10.0.0.5:3000", hdr: []string{"Origin", "https://10.0.0.5:3000"}, reason: "neither this server's own (http://10.0.0.5:3000) nor listed"},
		{name: "http page on a TLS listener", cfg: live, host: "10.0.0.5:3443", tls: true, hdr: []string{"Origin", "http://10.0.0.5:3443"}, reason: "neither"},
		{name: "other port", cfg: live, host: "10.0.0.5:3000", hdr: []string{"Origin", "http://10.0.0.5:8080"}, reason: "neither"},
		{name: "other host", cfg: live, host: "10.0.0.5:3000", hdr: []string{"Origin", "http://10.0.0.6:3000"}, reason: "neither"},
		{name: "DNS rebinding", cfg: live, host: "evil.example:3000", hdr: []string{"Origin", "http://evil.example:3000"},
			reason: `host "evil.example" is not an IP address, localhost or a configured host name`},
		{name: "listed origin", cfg: live, host: "10.0.0.5:3000", hdr: []string{"Origin", "https://booth.example"}, ok: true},
		{name: "listed origin, explicit port", cfg: live, host: "10.0.0.5:3000", hdr: []string{"Origin", "https://booth.example:443"}, ok: true},
		{name: "listed origin's host is trusted", cfg: live, host: "booth.example", tls: true, hdr: []string{"Origin", "https://booth.example"}, ok: true},
		{name: "listed origin, other port", cfg: live, host: "10.0.0.5:3000", hdr: []string{"Origin", "https://booth.example:8443"}, reason: "neither"},
		{name: "listed origin, other scheme", cfg: live, host: "10.0.0.5:3000", hdr: []string{"Origin", "http://booth.example"}, reason: "neither"},
		{name: "null origin", cfg: live, host: "10.0.0.5:3000", hdr: []string{"Origin", "null"}, reason: "not an http or https origin"},
		{name: "two origins", cfg: live, host: "10.0.0.5:3000", hdr: []string{"Origin", "http://10.0.0.5:3000", "Origin", "https://evil.example"}, reason: "more than one Origin"},
		{name: "forwarded proto ignored", cfg: live, host: "booth.local", hdr: []string{"Origin", "https://booth.local", "X-Forwarded-Proto", "https"}, reason: "neither"},
		{name: "forwarded proto trusted", cfg: proxied, host: "booth.local", hdr: []string{"Origin", "https://booth.local", "X-Forwarded-Proto", "https"}, ok: true},
		{name: "device edge: any browser page", cfg: devices, host: "10.0.0.5:3100", hdr: []string{"Origin", "http://10.0.0.5:3100"},
			reason: `origin "http://10.0.0.5:3100" may not connect as a charger: browser pages are refused unless their origin is listed`},
		{name: "device edge: listed origin", cfg: devices, host: "10.0.0.5:3100", hdr: []string{"Origin", "https://fleet.example"}, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := wsconn.NewOriginPolicy(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("GET", "/x", nil)
			r.Host = tt.host
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			for i := 0; i+1 < len(tt.hdr); i += 2 {
				r.Header.Add(tt.hdr[i], tt.hdr[i+1])
			}
			ok, reason := p.Check(r)
			if ok != tt.ok || !strings.Contains(reason, tt.reason) || !ok && reason == "" {
				t.Fatalf("got %v %q, want %v %q", ok, reason, tt.ok, tt.reason)
			}
			if got := p.CheckOrigin(r); got != ok {
				t.Errorf("CheckOrigin: got %v, want %v", got, ok)
			}
		})
	}
}

func TestNewOriginPolicyRefusesBadEntries(t *testing.T) {
	for _, c := range []wsconn.OriginConfig{
		{Allowed: []string{"booth.example"}},
		{Allowed: []string{"https://booth.example/app"}},
		{Hosts: []string{"booth.example:3000"}},
		{Hosts: []string{"http://booth.example"}},
	} {
		if _, err := wsconn.NewOriginPolicy(c); err == nil {
			t.Errorf("%+v: got no error", c)
		}
	}
	var nilPolicy *wsconn.OriginPolicy
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("Origin", "http://example.com")
	if ok, _ := nilPolicy.Check(r); ok {
		t.Errorf("nil policy allowed a browser origin")
	}
}

// TestOriginPolicyUpgrader checks the policy on a real upgrade: a browser
// origin gets 403 with the reason in plain text before the upgrade, a
// device without Origin connects.
func TestOriginPolicyUpgrader(t *testing.T) {
	p, err := wsconn.NewOriginPolicy(wsconn.OriginConfig{What: "connect as a widget"})
	if err != nil {
		t.Fatal(err)
	}
	up := p.Upgrader(websocket.Upgrader{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err == nil {
			ws.Close()
		}
	}))
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")

	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("device without Origin: %v", err)
	}
	ws.Close()

	_, res, err := websocket.DefaultDialer.Dial(url, http.Header{"Origin": {srv.URL}})
	if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("browser origin: got %v %v, want 403", res, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || !strings.Contains(string(b), "may not connect as a widget") {
		t.Errorf("refusal: got %q %q, want plain text naming why", ct, b)
	}

	// Other upgrade failures keep gorilla/websocket's answer.
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Connection", "upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-Websocket-Version", "7")
	res2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res2.Body.Close()
	if res2.StatusCode != http.StatusBadRequest || res2.Header.Get("Sec-Websocket-Version") != "13" {
		t.Errorf("bad version: got %d %q, want 400 with Sec-Websocket-Version 13", res2.StatusCode, res2.Header.Get("Sec-Websocket-Version"))
	}
}

// FuzzNormalizeOrigin checks that a normalised origin is its own
// normalisation and always has a scheme, a host and a port.
func FuzzNormalizeOrigin(f *testing.F) {
	for _, s := range []string{"http://booth.example", "HTTPS://Booth.Example:443/", "http://[::1]:3000", "null",
		"https://booth.example/path", "http://10.0.0.5:3000", "http://evil.example:3000", "http://%41:80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := wsconn.NormalizeOrigin(s)
		if err != nil {
			return
		}
		again, err := wsconn.NormalizeOrigin(n)
		if err != nil || again != n {
			t.Fatalf("%q: normalised to %q, which normalises to %q (%v)", s, n, again, err)
		}
		if !strings.HasPrefix(n, "http://") && !strings.HasPrefix(n, "https://") || strings.Count(n, "/") != 2 {
			t.Fatalf("%q: normalised to %q", s, n)
		}
	})
}

// TestSameOriginUnlessValid: a staff edge's policy with a bad entry logs
// it and allows the server's own origin only; with good entries it is
// NewOriginPolicy's, the own origin always included.
func TestSameOriginUnlessValid(t *testing.T) {
	req := func(origin string) *http.Request {
		r := httptest.NewRequest("GET", "/x", nil)
		r.Host = "10.0.0.5:3000"
		r.Header.Set("Origin", origin)
		return r
	}
	var logged strings.Builder
	log := slog.New(slog.NewTextHandler(&logged, nil))
	bad := wsconn.SameOriginUnlessValid(wsconn.OriginConfig{What: "open the live feed", Allowed: []string{"https://ok.example", "typo.example"}}, log)
	if ok, _ := bad.Check(req("http://10.0.0.5:3000")); !ok {
		t.Error("with a bad entry the server's own origin is refused")
	}
	if ok, _ := bad.Check(req("https://ok.example")); ok {
		t.Error("with a bad entry a listed origin is still allowed: the policy did not fall back")
	}
	if !strings.Contains(logged.String(), "typo.example") || !strings.Contains(logged.String(), "only the server's own origin") {
		t.Errorf("the bad entry was not logged: %q", logged.String())
	}
	good := wsconn.SameOriginUnlessValid(wsconn.OriginConfig{What: "open the live feed", Allowed: []string{"https://ok.example"}}, log)
	for _, o := range []string{"http://10.0.0.5:3000", "https://ok.example"} {
		if ok, reason := good.Check(req(o)); !ok {
			t.Errorf("%s refused: %s", o, reason)
		}
	}
}
