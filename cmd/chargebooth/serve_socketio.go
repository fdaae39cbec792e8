package main

import (
	"crypto/sha256"
	"crypto/subtle"
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
		Authenticate: staffTokenAuth(c.StaffToken), WaitApplied: m.Runtime.WaitApplied,
		AllowedOrigins: liveOrigins, AllowedHosts: splitList(c.AllowedHosts), TrustForwardedProto: c.TrustProto,
	})
	m.Metrics.SetSocketIOClientsFunc(m.sio.Clients)
	mux := http.NewServeMux()
	mux.Handle(socketio.Path, m.sio.Handler())
	mux.Handle("/", h)
	return mux
}

// staffTokenAuth checks a Socket.IO handshake's token against the
// bootstrap --staff-token (constant time) and answers the admin actor.
// The staff identities replace it.
func staffTokenAuth(token string) func(*http.Request, string) (domain.Actor, error) {
	want := sha256.Sum256([]byte(token))
	return func(_ *http.Request, got string) (domain.Actor, error) {
		g := sha256.Sum256([]byte(got))
		if token == "" || subtle.ConstantTimeCompare(g[:], want[:]) != 1 {
			return domain.Actor{}, domain.Errorf(domain.CodeUnauthorized, "the staff token is not valid")
		}
		return domain.Actor{ID: "admin", Name: "admin", Role: "admin"}, nil
	}
}
