// Package netlimit caps the connections a listener holds open: in total
// and per source address.
//
// Wrap returns a net.Listener whose Accept hands out connections while the
// listener holds fewer than Config.Max in total and fewer than
// Config.MaxPerIP from the connection's source (an IPv4 address, or the /64
// of an IPv6 one). A connection past a cap is accepted, answered with a
// minimal "HTTP/1.1 503 Service Unavailable" whose plain-text body says
// which cap it hit ("too many connections from 192.0.2.7 (cap 1000)") and
// closed; Config.OnRefuse hears of it (a metric). A connection counts from
// Accept until its first Close, whatever closes it: net/http, a hijacked
// WebSocket, or both.
//
// Under a TLS listener (tls.NewListener(netlimit.Wrap(tcp, cfg), tlsCfg))
// the refusal is written over TLS when Config.TLS is set, so a TLS client
// reads the reason too. Refusals cost a goroutine for a second at most, and
// at most MaxRefusing run at once; past that a refused connection is closed
// without an answer.
package netlimit
