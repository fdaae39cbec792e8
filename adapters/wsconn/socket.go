package wsconn

import (
	"errors"
	"sync"
	"time"

	"github.com/chargebooth/chargebooth/internal/netpark"
	"github.com/gorilla/websocket"
)

// Socket is the closing half a simple socket shares with every other: it
// closes once with a reason, pings from a timer, remembers why it closed
// and writes with a deadline. An edge embeds it in its connection type
// (its Close then satisfies Session) and sets WS before first use.
//
// Its lock (Lock, Unlock) guards the Socket's own state and may guard the
// embedding type's fields too (the widget's queue), so a socket needs one
// mutex, not two.
type Socket struct {
	// WS is the upgraded socket; set it once, before any method is called.
	WS *websocket.Conn

	mu     sync.Mutex // guards closed, reason, ping, and what the embedding type says
	closed bool
	reason string     // why the server closed it, if it did
	ping   *Keepalive // nil until StartKeepalive
}

// Lock locks the socket's state (and the embedding type's fields it guards).
func (s *Socket) Lock() { s.mu.Lock() }

// Unlock unlocks what Lock locked.
func (s *Socket) Unlock() { s.mu.Unlock() }

// ClosedLocked reports whether Close was called; hold Lock.
func (s *Socket) ClosedLocked() bool { return s.closed }

// Close sends a close frame with the reason and closes the socket; only
// the first call does anything. Safe from any goroutine.
func (s *Socket) Close(reason string) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed, s.reason = true, reason
	ping := s.ping
	s.mu.Unlock()
	if ping != nil {
		ping.Stop()
	}
	Close(s.WS, reason)
}

// StartKeepalive pings the peer every period until the socket closes; a
// ping that cannot be written closes it with "ping failed".
func (s *Socket) StartKeepalive(period time.Duration) {
	k := StartKeepalive(s.WS, period, func() { s.Close("ping failed") })
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		k.Stop()
		return
	}
	s.ping = k
}

// ExpectPongs sets the read deadline to twice period, now and on every
// pong; call the returned func after every other frame.
func (s *Socket) ExpectPongs(period time.Duration) (extend func()) {
	return ExpectPongs(s.WS, period)
}

// Write sends one text frame within WriteWait; a failed write closes the
// socket with "write failed". Call it from one goroutine at a time.
func (s *Socket) Write(b []byte) error {
	_ = s.WS.SetWriteDeadline(time.Now().Add(WriteWait))
	err := s.WS.WriteMessage(websocket.TextMessage, b)
	if err != nil {
		s.Close("write failed")
	}
	return err
}

// End is what a read loop returns once a read failed with err: it lingers
// after a frame over the read limit (so that the 1009 close frame
// arrives), then says why the socket ended (see Reason): the reason given
// to Close, else the peer's close frame, else err.
func (s *Socket) End(err error, peer string) string {
	if errors.Is(err, websocket.ErrReadLimit) {
		Linger(s.WS)
	}
	s.mu.Lock()
	r := s.reason
	s.mu.Unlock()
	return Reason(r, err, peer)
}

// Ended is what a read loop returns once a read failed with err: End's
// reason, after the socket is closed.
func (s *Socket) Ended(err error, peer string) string {
	reason := s.End(err, peer)
	s.Close("")
	return reason
}

// Parked is what a read loop (Config.Open's serve) returns when Idle
// reported true: the edge parks the socket, and calls serve again on a new
// goroutine once there is something to read, the read deadline passed or
// the socket was closed. serve must keep what it set up the first time.
const Parked = "\x00parked"

// Idle reports whether the read loop should return Parked now: the socket
// is a parkable connection (plain TCP through a netpark listener) and has
// nothing to read. Pings and pongs waiting are answered first, through the
// socket's ping and pong handlers. Call it before each NextReader, once
// the message before was read to its end.
func (s *Socket) Idle() bool {
	pc := netpark.Of(s.WS.NetConn())
	return pc != nil && pc.Poll(s)
}

// Control implements netpark.Control with the socket's handlers.
func (s *Socket) Control(op byte, payload []byte) error {
	if op == netpark.OpPing {
		return s.WS.PingHandler()(string(payload))
	}
	return s.WS.PongHandler()(string(payload))
}
