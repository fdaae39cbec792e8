package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/chargebooth/chargebooth/adapters/netlimit"
	"github.com/chargebooth/chargebooth/adapters/tlsconf"
	"github.com/chargebooth/chargebooth/internal/netpark"
	"golang.org/x/time/rate"
)

// Defaults of the TLS listeners, on when a certificate source is given and
// their flag is not.
const (
	defaultHTTPSAddr      = ":3443"
	defaultChargerTLSAddr = ":3143"
	defaultWidgetTLSAddr  = ":3243"
)

// Connection caps (see connCaps).
const (
	maxConnsCeiling  = 20000 // most a device listener holds by default
	maxConnsHTTP     = 1024  // most an HTTP listener holds by default
	fdReserve        = 256   // files kept for the store, NATS and logs
	defaultPerIP     = 1000
	defaultExemptSrc = "127.0.0.0/8,::1/128"
)

// tlsFlags are serve's TLS, listener-cap and HTTP-timeout flags.
type tlsFlags struct {
	Cert, Key      string
	SelfSigned     bool
	Hosts          string
	ChargerCA      string
	HTTPSAddr      string
	ChargerTLSAddr string
	WidgetTLSAddr  string
	MaxConns       int
	MaxConnsPerIP  int
	ConnsExempt    string
	ReadTimeout    time.Duration
	WriteTimeout   time.Duration
	IdleTimeout    time.Duration

	poll time.Duration // how often the certificate files are looked at; tests shorten it
}

func (f *tlsFlags) flags(fs *flag.FlagSet) {
	fs.StringVar(&f.Cert, "tls-cert", "", "PEM server certificate (with its chain) for the TLS listeners; reloaded when the file changes or on SIGHUP")
	fs.StringVar(&f.Key, "tls-key", "", "PEM private key of --tls-cert")
	fs.BoolVar(&f.SelfSigned, "tls-self-signed", false, "make (once) a local CA and a server certificate in <data-dir>/tls for offline sites; the CA's fingerprint is printed and /ca.pem serves it")
	fs.StringVar(&f.Hosts, "tls-hosts", "", "extra names and IPs the self-signed certificate covers, comma separated (localhost, the host name and this machine's addresses always)")
	fs.StringVar(&f.ChargerCA, "charger-ca", "", "PEM CA(s) signing chargers' client certificates (OCPP security profile 3): a certificate's CN must be the charger id; a charger without one needs --charger-auth")
	fs.StringVar(&f.HTTPSAddr, "https-addr", "", `staff API and dashboard over TLS ("off"; default `+defaultHTTPSAddr+` with a certificate)`)
	fs.StringVar(&f.ChargerTLSAddr, "charger-tls-addr", "", `charger WebSocket over TLS, wss:// ("off"; default `+defaultChargerTLSAddr+` with a certificate)`)
	fs.StringVar(&f.WidgetTLSAddr, "widget-tls-addr", "", `widget WebSocket over TLS, wss:// ("off"; default `+defaultWidgetTLSAddr+` with a certificate)`)
	fs.IntVar(&f.MaxConns, "max-conns", 0, fmt.Sprintf("most connections one listener holds open (0: from the open-file limit, at most %d per charger or widget listener and %d per HTTP listener)", maxConnsCeiling, maxConnsHTTP))
	fs.IntVar(&f.MaxConnsPerIP, "max-conns-per-ip", defaultPerIP, "most connections one listener holds from one source address, an IPv6 /64 counting as one (0: no cap)")
	fs.StringVar(&f.ConnsExempt, "max-conns-exempt", defaultExemptSrc, `sources --max-conns-per-ip does not apply to, CIDRs or IPs, comma separated ("none")`)
	fs.DurationVar(&f.ReadTimeout, "read-timeout", 30*time.Second, "how long an HTTP request (headers and body) may take to arrive; WebSocket connections are not cut by it")
	fs.DurationVar(&f.WriteTimeout, "write-timeout", 60*time.Second, "how long an HTTP answer may take once the request is read (raised past --remote-timeout); not WebSockets")
	fs.DurationVar(&f.IdleTimeout, "idle-timeout", 60*time.Second, "how long an idle keep-alive HTTP connection stays open")
}

// tlsRuntime is what serve made of tlsFlags.
type tlsRuntime struct {
	source     *tlsconf.Source
	authority  *tlsconf.Authority // self-signed mode
	server     *tls.Config        // HTTPS and widget listeners
	charger    *tls.Config        // charger listener: asks for client certificates with --charger-ca
	clientCAs  *x509.CertPool
	exempt     []netip.Prefix
	refusedLog rate.Sometimes

	// Addresses listened on over TLS, "" when off.
	HTTPSURL, ChargerTLSURL, WidgetTLSURL string
	// plain lists the plain listeners reachable beyond loopback.
	plain []string
}

// off says whether a listener address turns the listener off.
func off(addr string) bool { return addr == "" || addr == "off" }

// setupTLS loads the certificate source and the charger CAs and checks the
// listener flags. It runs before the edges are built.
func (m *Main) setupTLS() error {
	c := &m.Config
	f := &c.TLS
	t := &m.tls
	t.refusedLog = rate.Sometimes{Interval: 10 * time.Second}
	var err error
	if t.exempt, err = parsePrefixes(f.ConnsExempt); err != nil {
		return fmt.Errorf("--max-conns-exempt: %w", err)
	}
	if f.MaxConns < 0 || f.MaxConnsPerIP < 0 {
		return errors.New("--max-conns and --max-conns-per-ip must not be negative")
	}
	if f.ReadTimeout < 0 || f.WriteTimeout < 0 || f.IdleTimeout < 0 {
		return errors.New("--read-timeout, --write-timeout and --idle-timeout must not be negative")
	}
	if (f.Cert == "") != (f.Key == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if f.Cert != "" && f.SelfSigned {
		return errors.New("--tls-cert and --tls-self-signed exclude each other")
	}
	switch {
	case f.Cert != "":
		if t.source, err = tlsconf.Load(f.Cert, f.Key, m.Log); err != nil {
			return fmt.Errorf("--tls-cert: %w", err)
		}
	case f.SelfSigned:
		ss := &tlsconf.SelfSigned{Dir: filepath.Join(c.DataDir, "tls"), Hosts: m.selfSignedHosts(), Log: m.Log}
		if t.source, t.authority, err = ss.Source(); err != nil {
			return fmt.Errorf("--tls-self-signed: %w", err)
		}
	}
	tlsAddrs := []*string{&f.HTTPSAddr, &f.ChargerTLSAddr, &f.WidgetTLSAddr}
	defaults := []string{defaultHTTPSAddr, defaultChargerTLSAddr, defaultWidgetTLSAddr}
	for i, a := range tlsAddrs {
		switch {
		case *a == "" && t.source != nil:
			*a = defaults[i]
		case !off(*a) && t.source == nil:
			return errors.New("the TLS listeners (--https-addr, --charger-tls-addr, --widget-tls-addr) need --tls-cert and --tls-key or --tls-self-signed")
		}
	}
	if f.ChargerCA != "" {
		if off(f.ChargerTLSAddr) {
			return errors.New("--charger-ca needs a TLS charger listener (--charger-tls-addr and a certificate)")
		}
		if t.clientCAs, err = tlsconf.LoadCertPool(f.ChargerCA); err != nil {
			return fmt.Errorf("--charger-ca: %w", err)
		}
	}
	if t.source != nil {
		t.server = tlsconf.ServerConfig(t.source, nil)
		t.charger = tlsconf.ServerConfig(t.source, t.clientCAs)
	}
	if f.WriteTimeout > 0 && f.WriteTimeout <= c.RemoteTimeout {
		f.WriteTimeout = c.RemoteTimeout + 5*time.Second // remote start/stop waits that long before its 504
	}
	return nil
}

// clientCN is the charger edge's profile-3 check, nil without --charger-ca.
func (t *tlsRuntime) clientCN() func(*http.Request) (string, bool) {
	if t.clientCAs == nil {
		return nil
	}
	return tlsconf.ClientCN
}

// withCA serves the local CA at /ca.pem in self-signed mode.
func (t *tlsRuntime) withCA(h http.Handler) http.Handler {
	if t.authority == nil {
		return h
	}
	ca := tlsconf.CAHandler(t.authority.CAPEM)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ca.pem" {
			ca.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// selfSignedHosts are the names the self-signed certificate covers: the
// defaults, --tls-hosts and the hosts of the listen addresses.
func (m *Main) selfSignedHosts() []string {
	f := &m.Config.TLS
	hosts := append(tlsconf.DefaultHosts(), splitList(f.Hosts)...)
	for _, a := range []string{f.HTTPSAddr, f.ChargerTLSAddr, f.WidgetTLSAddr} {
		if host, _, err := net.SplitHostPort(a); err == nil && host != "" {
			if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
				hosts = append(hosts, host)
			}
		}
	}
	return hosts
}

// edge is one listener serve runs.
type edge struct {
	name, addr string
	tls        *tls.Config // nil: plain
	device     bool        // a charger or widget listener (many long-lived sockets)
	h          http.Handler
	url        *string // where the address listened on is kept
}

// listenEdges listens on every listener not turned off: the plain ones
// and the TLS ones, each capped.
func (m *Main) listenEdges(charger, widget, api http.Handler) error {
	c := &m.Config
	api = m.tls.withCA(api)
	edges := []edge{
		{"charger", c.ChargerAddr, nil, true, charger, &m.ChargerURL},
		{"widget", c.WidgetAddr, nil, true, widget, &m.WidgetURL},
		{"http", c.HTTPAddr, nil, false, api, &m.HTTPURL},
		{"charger-tls", c.TLS.ChargerTLSAddr, m.tls.charger, true, charger, &m.tls.ChargerTLSURL},
		{"widget-tls", c.TLS.WidgetTLSAddr, m.tls.server, true, widget, &m.tls.WidgetTLSURL},
		{"https", c.TLS.HTTPSAddr, m.tls.server, false, api, &m.tls.HTTPSURL},
	}
	var on []edge
	for _, e := range edges {
		if !off(e.addr) {
			on = append(on, e)
		}
	}
	devices, web := connCaps(c.TLS.MaxConns, on)
	for _, e := range on {
		max := web
		if e.device {
			max = devices
		}
		url, err := m.listen(e, max)
		if err != nil {
			return fmt.Errorf("%s endpoint: %w", e.name, err)
		}
		*e.url = url
	}
	return nil
}

// connCaps returns the connection caps of device and HTTP listeners: the
// flag's when given, else shares of the open-file limit that leave every
// listener its own (a widget flood cannot take the staff API's files):
// fdReserve for the store, maxConnsHTTP (or less) per HTTP listener and
// the rest split among the device listeners, at most maxConnsCeiling each.
func connCaps(flagMax int, on []edge) (devices, web int) {
	if flagMax > 0 {
		return flagMax, flagMax
	}
	limit, err := raiseFileLimit()
	if err != nil || limit == 0 {
		return maxConnsCeiling, maxConnsHTTP
	}
	var nDev, nHTTP int
	for _, e := range on {
		if e.device {
			nDev++
		} else {
			nHTTP++
		}
	}
	free := int(min(limit, 1<<30)) - fdReserve
	web = min(maxConnsHTTP, max(64, free/4/max(nHTTP, 1)))
	devices = min(maxConnsCeiling, max(64, (free-web*nHTTP)/max(nDev, 1)))
	return devices, web
}

// listen serves h on e's address, capped at max connections, over TLS when
// e.tls is set, and returns the host:port listened on.
func (m *Main) listen(e edge, max int) (string, error) {
	f := &m.Config.TLS
	raw, err := net.Listen("tcp", e.addr)
	if err != nil {
		return "", err
	}
	capped := netlimit.Wrap(raw, netlimit.Config{
		Name: e.name, Max: max, MaxPerIP: f.MaxConnsPerIP, Exempt: m.tls.exempt, TLS: e.tls,
		OnRefuse: m.connRefused,
	})
	m.Metrics.SetConnectionsOpenFunc(e.name, capped.Open)
	var ln net.Listener = capped
	if e.device && e.tls == nil {
		// Idle device sockets park instead of holding a goroutine each
		// (netpark); over TLS each keeps its reader.
		if ln, err = netpark.Listen(capped); err != nil {
			m.Log.Info("idle device sockets keep a goroutine each", "listener", e.name, "why", err)
		}
	}
	if e.tls != nil {
		ln = tls.NewListener(capped, e.tls)
	} else if reachable(raw.Addr()) {
		m.tls.plain = append(m.tls.plain, e.name+" "+raw.Addr().String())
		m.Log.Warn("plain-text listener reachable beyond loopback: tokens, passwords and readings travel in clear",
			"listener", e.name, "addr", raw.Addr().String())
	}
	srv := &http.Server{
		Handler:           e.h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       f.ReadTimeout,
		WriteTimeout:      f.WriteTimeout,
		IdleTimeout:       f.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(m.Log.Handler(), slog.LevelDebug),
	}
	if srv.ReadTimeout > 0 && srv.ReadTimeout < srv.ReadHeaderTimeout {
		srv.ReadHeaderTimeout = srv.ReadTimeout
	}
	m.servers = append(m.servers, srv)
	go func() { _ = srv.Serve(ln) }()
	return hostURL(raw.Addr()), nil
}

// connRefused counts a refused connection and says so in the log, once
// per interval.
func (m *Main) connRefused(listener, reason string) {
	m.Metrics.ConnectionRefused(listener, reason)
	m.tls.refusedLog.Do(func() {
		m.Log.Warn("connections refused past a cap (see chargebooth_connections_refused_total)", "listener", listener, "reason", reason)
	})
}

// reachable says whether a listener bound to a is reachable from other
// machines: bound to every address or to one that is not loopback.
func reachable(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return !ok || !tcp.IP.IsLoopback()
}

// watchTLS reloads the certificate when its files change and on SIGHUP,
// until ctx ends.
func (m *Main) watchTLS(ctx context.Context) {
	src := m.tls.source
	if src == nil {
		return
	}
	m.background(func() { src.Watch(ctx, m.Config.TLS.poll) })
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	m.background(func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if err := src.Reload(); err != nil {
					m.Log.Error("SIGHUP: TLS certificate not reloaded; the previous one is still served", "err", err)
				} else {
					m.Log.Info("SIGHUP: TLS certificate reloaded")
				}
			}
		}
	})
}

// printTLSBanner prints the TLS listeners, the local CA and the warnings.
func (m *Main) printTLSBanner() {
	w, t := m.Stdout, &m.tls
	if t.ChargerTLSURL != "" {
		auth := ""
		if t.clientCAs != nil {
			auth = "   (client certificate CN = charger id)"
		}
		fmt.Fprintf(w, "  chargers   wss://%s/chargers/{chargerId}%s\n", t.ChargerTLSURL, auth)
	}
	if t.WidgetTLSURL != "" {
		fmt.Fprintf(w, "  widgets    wss://%s/widgets/{widgetId}\n", t.WidgetTLSURL)
	}
	if t.HTTPSURL != "" {
		fmt.Fprintf(w, "  dashboard  https://%s/  (sign in with a name and PIN, or a token)\n", t.HTTPSURL)
		fmt.Fprintf(w, "  staff API  https://%s/api/\n", t.HTTPSURL)
	}
	if a := t.authority; a != nil {
		// Plain HTTP first: a phone that does not trust the CA yet gets
		// no warning page, and the fingerprint is what it checks.
		where, scheme := m.HTTPURL, "http"
		if where == "" {
			where, scheme = t.HTTPSURL, "https"
		}
		fmt.Fprintf(w, "  TLS CA     SHA-256 %s\n", a.Fingerprint)
		if where != "" {
			fmt.Fprintf(w, "             (self-signed: install %s://%s/ca.pem on devices and phones, check this fingerprint)\n", scheme, where)
		}
	}
	for _, p := range t.plain {
		fmt.Fprintf(w, "  WARNING    plain-text %s is reachable beyond loopback: bind it to 127.0.0.1 or turn it off (\"off\") once devices speak TLS\n", p)
	}
}

// parsePrefixes reads a comma-separated list of CIDRs or IPs; "none" is
// the empty list.
func parsePrefixes(s string) ([]netip.Prefix, error) {
	if strings.TrimSpace(s) == "none" {
		return nil, nil
	}
	var out []netip.Prefix
	for _, p := range splitList(s) {
		if strings.Contains(p, "/") {
			pfx, err := netip.ParsePrefix(p)
			if err != nil {
				return nil, err
			}
			out = append(out, pfx.Masked())
			continue
		}
		ip, err := netip.ParseAddr(p)
		if err != nil {
			return nil, err
		}
		out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
	}
	return out, nil
}
