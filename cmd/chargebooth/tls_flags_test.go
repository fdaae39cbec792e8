package main

import (
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestTLSFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		set  func(f *tlsFlags)
		err  string
	}{
		{"TLS listener without a certificate", func(f *tlsFlags) { f.HTTPSAddr = ":3443" }, "need --tls-cert and --tls-key or --tls-self-signed"},
		{"certificate without key", func(f *tlsFlags) { f.Cert = "c.pem" }, "--tls-cert and --tls-key go together"},
		{"certificate and self-signed", func(f *tlsFlags) { f.Cert, f.Key, f.SelfSigned = "c.pem", "k.pem", true }, "exclude each other"},
		{"charger CA without a TLS charger listener", func(f *tlsFlags) { f.ChargerCA = "ca.pem" }, "--charger-ca needs a TLS charger listener"},
		{"missing certificate file", func(f *tlsFlags) { f.Cert, f.Key = "/nonexistent/c.pem", "/nonexistent/k.pem" }, "--tls-cert: "},
		{"bad exempt list", func(f *tlsFlags) { f.ConnsExempt = "10.0.0.0/33" }, "--max-conns-exempt"},
		{"negative cap", func(f *tlsFlags) { f.MaxConnsPerIP = -1 }, "must not be negative"},
		{"negative timeout", func(f *tlsFlags) { f.IdleTimeout = -time.Second }, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Main{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			m.Config.DataDir = t.TempDir()
			tt.set(&m.Config.TLS)
			err := m.setupTLS()
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("got %v, want an error with %q", err, tt.err)
			}
		})
	}
}

func TestWriteTimeoutOutlastsRemoteCommands(t *testing.T) {
	m := &Main{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	m.Config.RemoteTimeout, m.Config.TLS.WriteTimeout = time.Minute, 30*time.Second
	if err := m.setupTLS(); err != nil {
		t.Fatal(err)
	}
	if got, want := m.Config.TLS.WriteTimeout, time.Minute+5*time.Second; got != want {
		t.Errorf("write timeout %s, want %s", got, want)
	}
}

func TestParsePrefixes(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"127.0.0.0/8,::1/128", "[127.0.0.0/8 ::1/128]", true},
		{" 10.1.2.3 , 2001:db8::1 ", "[10.1.2.3/32 2001:db8::1/128]", true},
		{"10.1.2.3/8", "[10.0.0.0/8]", true},
		{"none", "[]", true},
		{"", "[]", true},
		{"10.0.0.0/33", "", false},
		{"booth.local", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parsePrefixes(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("got error %v, want ok %v", err, tt.ok)
			}
			if tt.ok && fmtPrefixes(got) != tt.want {
				t.Errorf("got %s, want %s", fmtPrefixes(got), tt.want)
			}
		})
	}
}

func fmtPrefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return "[" + strings.Join(s, " ") + "]"
}

func TestConnCaps(t *testing.T) {
	on := []edge{{name: "charger", device: true}, {name: "widget", device: true}, {name: "http"}}
	if d, w := connCaps(50, on); d != 50 || w != 50 {
		t.Errorf("--max-conns 50: got %d, %d; want 50 for every listener", d, w)
	}
	limit, err := raiseFileLimit()
	if err != nil {
		t.Skip(err)
	}
	d, w := connCaps(0, on)
	if w > maxConnsHTTP || d > maxConnsCeiling || d < 64 || w < 64 {
		t.Errorf("auto caps %d per device listener, %d per HTTP listener: out of bounds", d, w)
	}
	if limit > 4096 && uint64(2*d+w+fdReserve) > limit {
		t.Errorf("auto caps %d+%d+%d+%d exceed the open-file limit %d", d, d, w, fdReserve, limit)
	}
	if limit >= 20000 && d < 8000 {
		t.Errorf("auto cap %d per device listener breaks make bench (8,000 sockets each)", d)
	}
}

func FuzzParsePrefixes(f *testing.F) {
	for _, s := range []string{defaultExemptSrc, "none", "10.1.2.3", "2001:db8::/64,192.0.2.1", "1.2.3.4/", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := parsePrefixes(s)
		if err != nil {
			return
		}
		for _, p := range ps {
			if !p.IsValid() || p != p.Masked() {
				t.Fatalf("parsePrefixes(%q) gave %v", s, p)
			}
		}
	})
}
