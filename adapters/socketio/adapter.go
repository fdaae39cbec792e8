package socketio

import "github.com/zishang520/socket.io/servers/socket/v3"

// adapterBuilder makes the library's plain in-memory adapter, told when a
// socket that can recover goes away: the edge keeps that socket's
// subscriptions under its private id for the reconnect. It stores no
// packets: what a client missed comes from the stream.
type adapterBuilder struct{ s *Server }

// New implements socket.AdapterConstructor.
func (b *adapterBuilder) New(nsp socket.Namespace) socket.Adapter {
	a := &pidAdapter{Adapter: socket.MakeAdapter(), s: b.s}
	a.Prototype(a)
	a.Construct(nsp)
	return a
}

// pidAdapter is the plain adapter with PersistSession handed to the edge.
type pidAdapter struct {
	socket.Adapter
	s *Server
}

// PersistSession implements socket.Adapter.
func (a *pidAdapter) PersistSession(p *socket.SessionToPersist) {
	if p != nil {
		a.s.persist(string(p.Pid), p.Data)
	}
}
