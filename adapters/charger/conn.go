package charger

import (
	"bytes"
	"context"

	"github.com/chargebooth/chargebooth/adapters/wsconn"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"
)

// conn is one simple-protocol charger socket. Its one goroutine (serve)
// reads a frame, stores the reading and writes the answer itself, so an
// idle charger costs one goroutine and no write buffer; a charger that
// does not read its answers slows only itself. Pings come from a timer;
// Close and pings use WriteControl, which gorilla allows beside the
// reader's writes.
type conn struct {
	wsconn.Socket
	s   *Server
	id  string
	ack []byte // the last Ack frame, its array reused for the next
}

func newConn(s *Server, id string, ws *websocket.Conn) *conn {
	return &conn{Socket: wsconn.Socket{WS: ws}, s: s, id: id}
}

// Protocol implements Session.
func (c *conn) Protocol() string { return "json" }

// write sends an answer frame; only serve's goroutine calls it.
func (c *conn) write(b []byte) { _ = c.Write(b) }

// serve reads frames until the socket closes and returns why it closed.
func (c *conn) serve(ctx context.Context) string {
	c.StartKeepalive(c.s.cfg.PingPeriod)
	defer c.Close("")
	extend := c.ExpectPongs(c.s.cfg.PingPeriod)
	lim := rate.NewLimiter(c.s.cfg.Rate, c.s.cfg.Burst)
	var buf bytes.Buffer // one frame at a time, reused
	for {
		typ, b, err := c.next(&buf)
		if err != nil {
			return c.End(err, "charger")
		}
		extend()
		c.handle(ctx, typ, b, lim)
	}
}

// handle stores one frame's reading and acknowledges it, or answers with
// an Error frame. (Out of serve's loop, so an idle charger's goroutine
// blocks on a small stack.)
func (c *conn) handle(ctx context.Context, typ int, b []byte, lim *rate.Limiter) {
	if typ != websocket.TextMessage {
		c.reject(domain.Errorf(domain.CodeBinary, "binary frames are not supported; send JSON text frames"))
		return
	}
	f, err := ParseFrame(b)
	if err != nil {
		c.reject(err)
		return
	}
	if !lim.Allow() {
		c.reject(domain.Errorf(domain.CodeRateLimited, "more than %g readings a second; this reading was not stored", float64(c.s.cfg.Rate)))
		return
	}
	if err := c.s.StoreReading(ctx, c.id, domain.Reading{SoC: f.SoC, ReadingID: f.ReadingID, By: domain.OpenedByReading}); err != nil {
		if domain.ErrorCode(err) == domain.CodeInternal {
			c.s.cfg.Log.Error("reading not stored", "charger", c.id, "err", err)
		}
		c.reject(err)
		return
	}
	c.s.cfg.Observer.Reading("")
	if f.ReadingID != "" {
		c.ack = AppendAckFrame(c.ack[:0], f.ReadingID) // Write copies it
		c.write(c.ack)
	}
}

// next reads the next frame into buf (reused: the frame is parsed before
// the next one is read).
func (c *conn) next(buf *bytes.Buffer) (int, []byte, error) {
	typ, r, err := c.WS.NextReader()
	if err != nil {
		return 0, nil, err
	}
	if buf.Cap() > 4<<10 {
		*buf = bytes.Buffer{} // do not keep one big frame's buffer for the socket's life
	}
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		return 0, nil, err
	}
	return typ, buf.Bytes(), nil
}

// reject answers a frame that was not stored with an Error frame.
func (c *conn) reject(err error) {
	code, msg := storeError(err, "reading")
	c.s.cfg.Observer.Reading(code)
	c.write(ErrorFrame(code, msg))
}
