package wsconn

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/websocket"
)

// OriginConfig is which browser pages may open an edge's sockets. A
// request without an Origin header (a charger, a widget, a script) is not
// a browser's and is always allowed: the origin check keeps web pages
// opened on the booth network from acting as devices or staff, it does
// not authenticate anyone.
type OriginConfig struct {
	// What names what the socket is in refusals: "connect as a charger",
	// "open the live feed".
	What string
	// Allowed lists origins allowed besides, with SameOrigin, the
	// request's own: "https://booth.example", "http://10.0.0.5:3000".
	// Each is normalised (see NormalizeOrigin); NewOriginPolicy refuses
	// one that is not an http or https origin.
	Allowed []string
	// SameOrigin allows an Origin whose scheme, host and port equal the
	// request's own (the dashboard the server itself served), provided
	// the request's Host is trusted (see Hosts). Device edges leave it
	// false: no page of the booth opens a charger or widget socket.
	SameOrigin bool
	// Hosts lists the host names (no port) that, besides IP literals,
	// "localhost" and the hosts of Allowed, are trusted in the Host header
	// for a same-origin match. Same-origin by the Host header cannot tell
	// a page of the booth from one of a DNS-rebinding attacker (its own
	// name resolved to the booth's address, so Origin and Host agree on
	// the attacker's name); a name the operator did not configure is what
	// tells them apart.
	Hosts []string
	// TrustForwardedProto takes the request's own scheme from
	// X-Forwarded-Proto ("http" or "https") instead of from whether the
	// connection is TLS. Set it only behind a proxy that terminates TLS
	// and sets the header itself.
	TrustForwardedProto bool
}

// OriginPolicy decides a socket request's Origin header; make one with
// NewOriginPolicy. The zero value (and nil) refuses every browser origin.
type OriginPolicy struct {
	what       string
	allowed    map[string]bool
	same       bool
	hosts      map[string]bool
	trustProto bool
}

// NewOriginPolicy returns the policy of c, or an error naming an entry of
// c.Allowed or c.Hosts that is not an origin or a host name.
func NewOriginPolicy(c OriginConfig) (*OriginPolicy, error) {
	p := &OriginPolicy{what: c.What, allowed: map[string]bool{}, same: c.SameOrigin, hosts: map[string]bool{}, trustProto: c.TrustForwardedProto}
	if p.what == "" {
		p.what = "open this socket"
	}
	for _, o := range c.Allowed {
		if strings.TrimSpace(o) == "" {
			continue
		}
		n, err := NormalizeOrigin(o)
		if err != nil {
			return nil, err
		}
		p.allowed[n] = true
		u, _ := url.Parse(n)
		p.hosts[u.Hostname()] = true
	}
	for _, h := range c.Hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		if strings.ContainsAny(h, ":/@[] ") {
			return nil, fmt.Errorf("allowed host %q: a host name without scheme or port, such as booth.example", h)
		}
		p.hosts[h] = true
	}
	return p, nil
}

// SameOriginUnlessValid is NewOriginPolicy for a staff edge that always
// allows the server's own origin (c.SameOrigin): an entry of c that is
// not an origin is logged and the policy falls back to that origin only,
// so a typo never opens the edge wider.
func SameOriginUnlessValid(c OriginConfig, log *slog.Logger) *OriginPolicy {
	c.SameOrigin = true
	p, err := NewOriginPolicy(c)
	if err != nil {
		log.Error("origins: only the server's own origin is allowed", "to", c.What, "err", err)
		c.Allowed, c.Hosts = nil, nil
		p, _ = NewOriginPolicy(c)
	}
	return p
}

// DeviceOrigins is a device edge's policy (a charger's, a widget's):
// browser pages are refused unless their origin is in origins. An entry
// that is not an origin matches nothing (validate flags with
// NormalizeOrigin to tell the operator).
func DeviceOrigins(what string, origins []string) *OriginPolicy {
	var good []string
	for _, o := range origins {
		if _, err := NormalizeOrigin(o); err == nil {
			good = append(good, o)
		}
	}
	p, _ := NewOriginPolicy(OriginConfig{What: what, Allowed: good})
	return p
}

// NormalizeOrigin returns an origin as "scheme://host:port": scheme and
// host lower case, the default port (80 for http, 443 for https) made
// explicit, a trailing "/" dropped. Anything but an http or https origin
// with no user, path, query or fragment is an error.
func NormalizeOrigin(o string) (string, error) {
	s := strings.TrimSpace(o)
	u, err := url.Parse(strings.TrimSuffix(s, "/"))
	if err != nil {
		return "", fmt.Errorf("origin %q: %w", o, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("origin %q: the scheme must be http or https", o)
	}
	if u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" || u.ForceQuery {
		return "", fmt.Errorf("origin %q: an origin is scheme://host[:port], nothing more", o)
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", fmt.Errorf("origin %q: no host", o)
	}
	port, err := portOf(u.Port(), scheme)
	if err != nil {
		return "", fmt.Errorf("origin %q: %w", o, err)
	}
	return scheme + "://" + net.JoinHostPort(host, port), nil
}

// portOf returns port, or the scheme's default when empty.
func portOf(port, scheme string) (string, error) {
	if port == "" {
		if scheme == "https" {
			return "443", nil
		}
		return "80", nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
		return "", fmt.Errorf("port %q is not a port number", port)
	}
	return port, nil
}

// Check decides r's Origin: ok, or the reason it is refused (for a 403).
func (p *OriginPolicy) Check(r *http.Request) (ok bool, reason string) {
	vals := r.Header.Values("Origin")
	if len(vals) == 0 {
		return true, ""
	}
	if p == nil {
		p = &OriginPolicy{what: "open this socket"}
	}
	if len(vals) > 1 {
		return false, "the request has more than one Origin header"
	}
	o := vals[0]
	n, err := NormalizeOrigin(o)
	if err != nil {
		return false, fmt.Sprintf("origin %.100q may not %s: it is not an http or https origin", o, p.what)
	}
	if p.allowed[n] {
		return true, ""
	}
	if !p.same {
		return false, fmt.Sprintf("origin %.100q may not %s: browser pages are refused unless their origin is listed; devices send no Origin", o, p.what)
	}
	own, host, err := p.ownOrigin(r)
	if err != nil || n != own {
		return false, fmt.Sprintf("origin %.100q may not %s: it is neither this server's own (%s) nor listed", o, p.what, own)
	}
	if !p.TrustedHost(host) {
		return false, fmt.Sprintf("origin %.100q may not %s: host %q is not an IP address, localhost or a configured host name", o, p.what, host)
	}
	return true, ""
}

// CheckOrigin reports whether r's Origin is allowed: an
// Upgrader.CheckOrigin.
func (p *OriginPolicy) CheckOrigin(r *http.Request) bool {
	ok, _ := p.Check(r)
	return ok
}

// UpgradeError answers a failed upgrade in plain text: the origin's
// refusal for a 403 of CheckOrigin, otherwise the status text with
// Sec-WebSocket-Version (gorilla/websocket's own answer). It is an
// Upgrader.Error.
func (p *OriginPolicy) UpgradeError(w http.ResponseWriter, r *http.Request, status int, _ error) {
	if status == http.StatusForbidden {
		if ok, reason := p.Check(r); !ok {
			http.Error(w, reason, status)
			return
		}
	}
	w.Header().Set("Sec-Websocket-Version", "13")
	http.Error(w, http.StatusText(status), status)
}

// Upgrader returns u with this policy as its CheckOrigin and Error.
func (p *OriginPolicy) Upgrader(u websocket.Upgrader) websocket.Upgrader {
	u.CheckOrigin, u.Error = p.CheckOrigin, p.UpgradeError
	return u
}

// TrustedHost reports whether host (a Host header's name, without port)
// may count for a same-origin match: an IP literal, localhost (or a name
// under .localhost), a configured host name or the host of an allowed
// origin. An HTTP middleware can use it to refuse DNS-rebound requests.
func (p *OriginPolicy) TrustedHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if net.ParseIP(host) != nil || host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	return p != nil && p.hosts[host]
}

// ownOrigin returns the request's own origin, normalised, and its host
// name: the scheme from the connection (or X-Forwarded-Proto when
// trusted), host and port from the Host header.
func (p *OriginPolicy) ownOrigin(r *http.Request) (origin, host string, err error) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p.trustProto {
		switch strings.ToLower(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto"))) {
		case "https":
			scheme = "https"
		case "http":
			scheme = "http"
		}
	}
	o, err := NormalizeOrigin(scheme + "://" + r.Host)
	if err != nil {
		return scheme + "://" + r.Host, "", err
	}
	u, _ := url.Parse(o)
	return o, u.Hostname(), nil
}
