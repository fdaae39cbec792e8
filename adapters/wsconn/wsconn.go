package wsconn

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// WriteWait bounds every write to a socket (on a parked device socket up
// to netpark.WriteSlack later: see netpark.Conn.SetWriteDeadline).
const WriteWait = 10 * time.Second

// maxReason is the longest close reason a close frame holds (125 bytes of
// payload, two of them the code).
const maxReason = 123

// Keepalive pings a socket every period until Stop. Pings use
// WriteControl, which gorilla allows beside the socket's other writes.
type Keepalive struct {
	ws     *websocket.Conn
	period time.Duration
	fail   func()

	mu      sync.Mutex // guards t and stopped
	t       *time.Timer
	stopped bool
}

// StartKeepalive starts pinging ws every period; a ping that cannot be
// written calls fail (once) and stops the pings.
func StartKeepalive(ws *websocket.Conn, period time.Duration, fail func()) *Keepalive {
	k := &Keepalive{ws: ws, period: period, fail: fail}
	k.mu.Lock()
	k.t = time.AfterFunc(period, k.ping)
	k.mu.Unlock()
	return k
}

func (k *Keepalive) ping() {
	if err := k.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(WriteWait)); err != nil {
		k.Stop()
		k.fail()
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.stopped {
		k.t.Reset(k.period)
	}
}

// Stop ends the pings.
func (k *Keepalive) Stop() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.stopped = true
	k.t.Stop()
}

// ExpectPongs gives the peer twice the ping period to answer: it sets the
// read deadline now and on every pong, and returns a func that pushes the
// deadline out after any other frame.
func ExpectPongs(ws *websocket.Conn, period time.Duration) (extend func()) {
	wait := 2 * period
	extend = func() { _ = ws.SetReadDeadline(time.Now().Add(wait)) }
	extend()
	ws.SetPongHandler(func(string) error { extend(); return nil })
	return extend
}

// Close tells the peer why with a close frame (1000; the reason cut to the
// 123 bytes a frame holds), then closes the socket.
func Close(ws *websocket.Conn, reason string) {
	if len(reason) > maxReason {
		reason = strings.ToValidUTF8(reason[:maxReason], "")
	}
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, reason)
	_ = ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	_ = ws.Close()
}

// Linger reads and drops what the peer still sends, for a second at most.
// Call it after a read failed with websocket.ErrReadLimit: gorilla has sent
// the 1009 close frame, and closing the socket under unread data would
// reset the connection and lose that frame on the way.
func Linger(ws *websocket.Conn) {
	nc := ws.UnderlyingConn()
	_ = nc.SetReadDeadline(time.Now().Add(time.Second))
	_, _ = io.Copy(io.Discard, nc)
}

// Reason says why a socket's read loop ended: the server's own reason when
// it closed the socket, else what the peer's close frame said, else the
// read error.
func Reason(closedBy string, err error, peer string) string {
	if closedBy != "" {
		return closedBy
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		if ce.Code == websocket.CloseMessageTooBig {
			return "frame over the read limit"
		}
		return fmt.Sprintf("closed by %s (%d %s)", peer, ce.Code, ce.Text)
	}
	if errors.Is(err, websocket.ErrReadLimit) {
		return "frame over the read limit"
	}
	if err == nil {
		return "closed"
	}
	return "read error: " + err.Error()
}
