package main

import (
	"net/http"

	"github.com/chargebooth/chargebooth/adapters/socketio"
	"github.com/chargebooth/chargebooth/domain"
)

// withSocketIO mounts the Socket.IO edge at /socket.io/ in front of the
// staff API's handler h; its sockets subscribe to m.Live, the feed the
// WebSocket live feed serves too.
func (m *Main) withSocketIO(h http.Handler, liveOrigins []string) http.Handler {
	c := &m.Config
	m.sio = socketio.New(socketio.Config{
		Service: m.Service, Board: m.Board, Feed: m.Live, API: h, Clock: m.Clock, Log: m.Log,
		Authenticate: m.socketAuth, WaitApplied: m.Runtime.WaitApplied,
		AllowedOrigins: liveOrigins, AllowedHosts: splitList(c.AllowedHosts), TrustForwardedProto: c.TrustProto,
	})
	m.Metrics.SetSocketIOClientsFunc(m.sio.Clients)
	m.api.OnRevoked(m.sio.DropActor)
	mux := http.NewServeMux()
	mux.Handle(socketio.Path, m.sio.Handler())
	mux.Handle("/", h)
	return mux
}

// socketAuth authenticates a Socket.IO handshake as the staff API does
// (a member's or the bootstrap token, or the session cookie when token is
// ""), throttled alike.
func (m *Main) socketAuth(r *http.Request, token string) (domain.Actor, error) {
	p, err := m.api.Authenticate(r, token)
	return p.Actor, err
}
