package netlimit_test

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/netlimit"
	"github.com/chargebooth/chargebooth/internal/testkit"
)

// serve runs an HTTP server answering "ok" on a capped loopback listener.
func serve(tb testing.TB, cfg netlimit.Config) *netlimit.Listener {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	l := netlimit.Wrap(ln, cfg)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })}
	go func() { _ = srv.Serve(l) }()
	tb.Cleanup(func() { _ = srv.Close() })
	return l
}

// clientFrom returns an HTTP client whose connections leave from ip, one
// connection a request.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

// get returns the status and body of GET url.
func get(c *http.Client, url string) (int, string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b)), err
}

// wantAnswer polls GET url through c until it answers status with body.
func wantAnswer(tb testing.TB, c *http.Client, url string, status int, body string) {
	tb.Helper()
	testkit.CheckFor(tb, 10*time.Second, func() error {
		got, b, err := get(c, url)
		if err != nil {
			return err
		}
		if got != status || b != body {
			return fmt.Errorf("got %d %q, want %d %q", got, b, status, body)
		}
		return nil
	})
}

func TestIdleFloodFromOneSourceIsCapped(t *testing.T) {
	var refused atomic.Int64
	l := serve(t, netlimit.Config{Name: "http", MaxPerIP: 100, OnRefuse: func(name, reason string) {
		if name == "http" && reason == netlimit.ReasonPerIP {
			refused.Add(1)
		}
	}})
	addr := l.Addr().String()
	const flood = 2000
	for range flood {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %d: %v", l.Open(), err)
		}
		defer c.Close()
	}
	testkit.CheckFor(t, 10*time.Second, func() error {
		if got := refused.Load(); got != flood-100 {
			return fmt.Errorf("got %d refusals, want %d", got, flood-100)
		}
		if got := l.Open(); got != 100 {
			return fmt.Errorf("got %d open, want 100", got)
		}
		return nil
	})
	url := "http://" + addr + "/"
	wantAnswer(t, clientFrom("127.0.0.2"), url, http.StatusOK, "ok")
	wantAnswer(t, clientFrom("127.0.0.1"), url, http.StatusServiceUnavailable, "too many connections from 127.0.0.1 (cap 100)")
}

// pipeListener hands out one end of a net.Pipe per Dial, with the remote
// address the dialler names.
type pipeListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (p *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-p.conns:
		return c, nil
	case <-p.closed:
		return nil, net.ErrClosed
	}
}

func (p *pipeListener) Close() error   { p.once.Do(func() { close(p.closed) }); return nil }
func (p *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

type remoteConn struct {
	net.Conn
	remote net.Addr
}

func (c remoteConn) RemoteAddr() net.Addr { return c.remote }

// dial connects from remote ("192.0.2.1:5000") and returns the client end.
func (p *pipeListener) dial(tb testing.TB, remote string) net.Conn {
	tb.Helper()
	server, client := net.Pipe()
	p.conns <- remoteConn{Conn: server, remote: net.TCPAddrFromAddrPort(netip.MustParseAddrPort(remote))}
	tb.Cleanup(func() { client.Close() })
	return client
}

// refusal reads what the listener answered on c ("" when it closed
// without an answer line).
func refusal(c net.Conn) string {
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: booth\r\n\r\n"); err != nil {
		return ""
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(string(b)))
}

func TestCaps(t *testing.T) {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name    string
		cfg     netlimit.Config
		held    []string // accepted first, kept open
		next    string   // then dialled
		refused string   // "" when next is accepted
		reason  string
	}{
		{"under the caps", netlimit.Config{Max: 3, MaxPerIP: 2}, []string{"192.0.2.1:1", "192.0.2.2:1"}, "192.0.2.1:2", "", ""},
		{"per source", netlimit.Config{MaxPerIP: 2}, []string{"192.0.2.1:1", "192.0.2.1:2"}, "192.0.2.1:3",
			"503 too many connections from 192.0.2.1 (cap 2)", netlimit.ReasonPerIP},
		{"another source", netlimit.Config{MaxPerIP: 2}, []string{"192.0.2.1:1", "192.0.2.1:2"}, "192.0.2.9:3", "", ""},
		{"total", netlimit.Config{Max: 2}, []string{"192.0.2.1:1", "192.0.2.2:1"}, "192.0.2.3:1",
			"503 too many connections (cap 2)", netlimit.ReasonTotal},
		{"ipv6 counts by /64", netlimit.Config{MaxPerIP: 1}, []string{"[2001:db8::1]:1"}, "[2001:db8::2]:1",
			"503 too many connections from 2001:db8::/64 (cap 1)", netlimit.ReasonPerIP},
		{"ipv4-mapped is the ipv4 source", netlimit.Config{MaxPerIP: 1}, []string{"192.0.2.1:1"}, "[::ffff:192.0.2.1]:2",
			"503 too many connections from 192.0.2.1 (cap 1)", netlimit.ReasonPerIP},
		{"exempt source skips the per-source cap", netlimit.Config{MaxPerIP: 1, Exempt: loopback}, []string{"127.0.0.1:1"}, "127.0.0.1:2", "", ""},
		{"exempt source still counts in the total", netlimit.Config{Max: 1, MaxPerIP: 1, Exempt: loopback}, []string{"127.0.0.1:1"}, "[::1]:2",
			"503 too many connections (cap 1)", netlimit.ReasonTotal},
		{"no caps", netlimit.Config{}, []string{"192.0.2.1:1", "192.0.2.1:2"}, "192.0.2.1:3", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeListener()
			var reasons []string
			var mu sync.Mutex
			tt.cfg.Name = "widget"
			tt.cfg.OnRefuse = func(name, reason string) {
				mu.Lock()
				defer mu.Unlock()
				reasons = append(reasons, name+" "+reason)
			}
			l := netlimit.Wrap(p, tt.cfg)
			accepted := make(chan net.Conn, 10)
			go func() {
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					accepted <- c
				}
			}()
			t.Cleanup(func() { l.Close() })
			for _, r := range tt.held {
				p.dial(t, r)
				defer (<-accepted).Close()
			}
			c := p.dial(t, tt.next)
			if tt.refused == "" {
				select {
				case a := <-accepted:
					a.Close()
				case <-time.After(5 * time.Second):
					t.Fatalf("%s not accepted", tt.next)
				}
				return
			}
			if got := refusal(c); got != tt.refused {
				t.Errorf("got answer %q, want %q", got, tt.refused)
			}
			mu.Lock()
			defer mu.Unlock()
			if want := []string{"widget " + tt.reason}; fmt.Sprint(reasons) != fmt.Sprint(want) {
				t.Errorf("got refusals %q, want %q", reasons, want)
			}
		})
	}
}

func TestCloseReleasesOnce(t *testing.T) {
	p := newPipeListener()
	l := netlimit.Wrap(p, netlimit.Config{MaxPerIP: 1})
	defer l.Close()
	accept := func(remote string) net.Conn {
		t.Helper()
		got := make(chan net.Conn, 1)
		go func() {
			c, err := l.Accept()
			if err == nil {
				got <- c
			}
		}()
		p.dial(t, remote)
		select {
		case c := <-got:
			return c
		case <-time.After(5 * time.Second):
			t.Fatalf("%s not accepted", remote)
		}
		return nil
	}
	a := accept("192.0.2.1:1")
	b := accept("192.0.2.2:1")
	a.Close()
	a.Close()
	if got := l.Open(); got != 1 {
		t.Fatalf("got %d open after closing one twice, want 1", got)
	}
	b.Close()
	if got := l.Open(); got != 0 {
		t.Fatalf("got %d open, want 0", got)
	}
	accept("192.0.2.1:2").Close() // its source's place was freed
}

func TestRefusalOverTLS(t *testing.T) {
	ca := testkit.NewCA(t, "netlimit test CA")
	cert := ca.Issue(t, 2, "127.0.0.1", false, time.Now().Add(time.Hour))
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := netlimit.Wrap(ln, netlimit.Config{Max: 1, TLS: cfg})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })}
	go func() { _ = srv.Serve(tls.NewListener(l, cfg)) }()
	defer srv.Close()

	held, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	testkit.CheckFor(t, 5*time.Second, func() error {
		if l.Open() != 1 {
			return errors.New("first connection not accepted yet")
		}
		return nil
	})
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool}, DisableKeepAlives: true}}
	wantAnswer(t, c, "https://"+ln.Addr().String()+"/", http.StatusServiceUnavailable, "too many connections (cap 1)")
}

func TestConnHalfCloses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := netlimit.Wrap(ln, netlimit.Config{Max: 10})
	defer l.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cw, ok := c.(interface{ CloseWrite() error })
	if !ok {
		t.Fatal("accepted connection has no CloseWrite (net/http's lingering close needs it)")
	}
	if err := cw.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	_ = client.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := client.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("client read after CloseWrite: got %v, want EOF", err)
	}
}
