package netpark

import (
	"net"
	"syscall"
)

// Listener wraps the connections a listener accepts into Conns. Wrap it
// under nothing that reads on its own (TLS): a Conn parks only what it
// reads itself.
type Listener struct {
	net.Listener
	p *poller
}

// Listen returns ln accepting parkable connections, or ln itself where
// there is no poller (not Linux, or epoll refused), with the reason.
func Listen(ln net.Listener) (net.Listener, error) {
	p, err := sharedPoller()
	if err != nil {
		return ln, err
	}
	return &Listener{Listener: ln, p: p}, nil
}

// Accept returns the next connection, wrapped when it is one a poller can
// wait on (it has a descriptor).
func (l *Listener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return wrap(nc, l.p), nil
}

func wrap(nc net.Conn, p *poller) net.Conn {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nc
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nc
	}
	fd := -1
	if err := rc.Control(func(f uintptr) { fd = int(f) }); err != nil || fd < 0 {
		return nc
	}
	c := &Conn{Conn: nc, rc: rc, fd: fd, p: p}
	c.rawRead = c.rawReadFunc()
	return c
}
