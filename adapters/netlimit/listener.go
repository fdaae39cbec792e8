package netlimit

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"
)

// Reasons a connection is refused with, for Config.OnRefuse.
const (
	ReasonTotal = "total"  // the listener holds Config.Max connections
	ReasonPerIP = "per_ip" // the source holds Config.MaxPerIP connections
)

// MaxRefusing bounds how many refusals are written at once; a connection
// refused while that many are being answered is closed without an answer.
const MaxRefusing = 128

// RefuseTimeout bounds how long one refusal may take: the TLS handshake
// (when Config.TLS is set), writing the answer and draining the request.
const RefuseTimeout = time.Second

// Config is a listener's caps. The zero value caps nothing.
type Config struct {
	// Name names the listener in OnRefuse ("charger", "widget", "http").
	Name string
	// Max caps the connections open at once; 0 is no cap.
	Max int
	// MaxPerIP caps the connections open at once from one source address
	// (an IPv6 source counts by its /64); 0 is no cap.
	MaxPerIP int
	// Exempt lists sources MaxPerIP does not apply to (they still count
	// towards Max): loopback, where a reverse proxy or the benchmark's
	// thousands of sockets come from.
	Exempt []netip.Prefix
	// TLS, when set, is the configuration of the TLS listener above this
	// one: refusals are written over TLS with it.
	TLS *tls.Config
	// OnRefuse, when set, hears each refusal with Name and a Reason
	// constant. It runs on the accepting goroutine and must be quick.
	OnRefuse func(listener, reason string)
}

// Listener is a net.Listener that caps its open connections.
type Listener struct {
	net.Listener
	cfg     Config
	refuses chan struct{} // semaphore of refusals being written

	mu   sync.Mutex // guards open and per
	open int
	per  map[netip.Prefix]int // source key → open connections
}

// Wrap returns ln capped by cfg.
func Wrap(ln net.Listener, cfg Config) *Listener {
	return &Listener{Listener: ln, cfg: cfg, refuses: make(chan struct{}, MaxRefusing), per: map[netip.Prefix]int{}}
}

// Open returns how many connections are open now.
func (l *Listener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// Accept waits for the next connection within the caps, refusing those
// past them.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key, ok := sourceKey(c.RemoteAddr())
		perIP := ok && l.cfg.MaxPerIP > 0 && !l.exempt(key.Addr())
		l.mu.Lock()
		switch {
		case l.cfg.Max > 0 && l.open >= l.cfg.Max:
			l.mu.Unlock()
			l.refuse(c, ReasonTotal, fmt.Sprintf("too many connections (cap %d)", l.cfg.Max))
			continue
		case perIP && l.per[key] >= l.cfg.MaxPerIP:
			l.mu.Unlock()
			l.refuse(c, ReasonPerIP, fmt.Sprintf("too many connections from %s (cap %d)", sourceText(key), l.cfg.MaxPerIP))
			continue
		}
		l.open++
		if ok {
			l.per[key]++
		}
		l.mu.Unlock()
		return &conn{Conn: c, l: l, key: key, keyed: ok}, nil
	}
}

func (l *Listener) exempt(a netip.Addr) bool {
	for _, p := range l.cfg.Exempt {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// release forgets one closed connection.
func (l *Listener) release(key netip.Prefix, keyed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if !keyed {
		return
	}
	if l.per[key]--; l.per[key] <= 0 {
		delete(l.per, key)
	}
}

// refuse answers c with a 503 saying reason and closes it, on a goroutine
// of its own while fewer than MaxRefusing are.
func (l *Listener) refuse(c net.Conn, code, reason string) {
	if l.cfg.OnRefuse != nil {
		l.cfg.OnRefuse(l.cfg.Name, code)
	}
	select {
	case l.refuses <- struct{}{}:
	default:
		_ = c.Close()
		return
	}
	go func() {
		defer func() { <-l.refuses }()
		writeRefusal(c, l.cfg.TLS, reason)
	}()
}

// writeRefusal reads the request's head, writes a minimal HTTP 503
// carrying reason, then half-closes and drains what the client sent
// (closing with unread bytes would reset the connection before the client
// read the answer).
func writeRefusal(raw net.Conn, cfg *tls.Config, reason string) {
	defer raw.Close()
	_ = raw.SetDeadline(time.Now().Add(RefuseTimeout))
	c := raw
	if cfg != nil {
		tc := tls.Server(raw, cfg)
		if tc.Handshake() != nil {
			return
		}
		c = tc
	}
	readHead(c) // answer after the request, as an HTTP client expects
	body := reason + "\n"
	_, err := fmt.Fprintf(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"+
		"Content-Length: %d\r\nRetry-After: 10\r\nConnection: close\r\n\r\n%s", len(body), body)
	if err != nil {
		return
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
}

// conn is an accepted connection that releases its place on first Close.
type conn struct {
	net.Conn
	l     *Listener
	key   netip.Prefix
	keyed bool
	once  sync.Once
}

// Close closes the connection and, the first time, releases its place.
func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.key, c.keyed) })
	return err
}

// CloseWrite half-closes the connection when the underlying one can (TCP),
// as net/http does before closing a connection it answered with an error.
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// SyscallConn gives the underlying connection's descriptor, so that a
// listener above this one can wait on it (netpark).
func (c *conn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.New("netlimit: the connection has no descriptor")
}

// sourceKey is what MaxPerIP counts a remote address under: the IPv4
// address, or the /64 of an IPv6 one (one host commonly holds a whole /64).
func sourceKey(a net.Addr) (netip.Prefix, bool) {
	var ip netip.Addr
	if tcp, ok := a.(*net.TCPAddr); ok {
		ip = tcp.AddrPort().Addr()
	} else if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		ip = ap.Addr()
	}
	if !ip.IsValid() {
		return netip.Prefix{}, false
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return netip.PrefixFrom(ip, 32), true
	}
	if ip.IsLoopback() {
		return netip.PrefixFrom(ip, 128), true
	}
	p, _ := ip.Prefix(64)
	return p, true
}

// sourceText prints a source key: the address alone for a single address.
func sourceText(p netip.Prefix) string {
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.String()
}

// readHead reads until the end of a request head, 8 KiB or the deadline,
// whichever comes first.
func readHead(c net.Conn) {
	buf := make([]byte, 0, 8<<10)
	for len(buf) < cap(buf) {
		n, err := c.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil || bytes.Contains(buf, []byte("\r\n\r\n")) {
			return
		}
	}
}
