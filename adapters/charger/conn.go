package charger

import (
	"context"
	"io"
	"slices"
	"sync"

	"github.com/chargebooth/chargebooth/adapters/wsconn"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/internal/workers"
	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"
)

// conn is one simple-protocol charger socket. Its goroutine (serve) reads
// a frame, has a pooled worker decode and store it while it waits, and
// writes the answer itself; once nothing is left to read it parks (see
// wsconn.Socket.Idle) and the goroutine ends, so an idle charger costs no
// goroutine (one on the small stack a read needs where it cannot park: TLS),
// no read and no write buffer, and a charger that
// does not read its answers slows only itself. Pings come from a timer;
// Close and pings use WriteControl, which gorilla allows beside serve's
// writes.
type conn struct {
	wsconn.Socket
	s   *Server
	id  string
	ack []byte // the last Ack frame, its array reused for the next

	extend func() // pushes the read deadline out (set by serve's first call)

	// The frame a worker handles (handleFrame, job, made at the first
	// frame): serve sets ctx to frame before the Run and reads answer
	// after it.
	job    *workers.Job
	ctx    context.Context
	typ    int
	frame  []byte
	lim    *rate.Limiter
	answer []byte // nil: none
}

func newConn(s *Server, id string, ws *websocket.Conn) *conn {
	return &conn{Socket: wsconn.Socket{WS: ws}, s: s, id: id}
}

// Protocol implements Session.
func (c *conn) Protocol() string { return "json" }

// serve reads frames until the socket closes and returns why it closed,
// or returns wsconn.Parked when nothing is left to read (the edge calls it
// again once there is: what the first call set up stays).
func (c *conn) serve(ctx context.Context) string {
	if c.lim == nil {
		c.StartKeepalive(c.s.cfg.PingPeriod)
		c.extend = c.ExpectPongs(c.s.cfg.PingPeriod)
		c.ctx = ctx
		c.lim = rate.NewLimiter(c.s.cfg.Rate, c.s.cfg.Burst)
	}
	for {
		if c.Idle() {
			return wsconn.Parked
		}
		typ, r, err := c.WS.NextReader()
		if err != nil {
			return c.Ended(err, "charger")
		}
		buf := frameBufs.Get().(*[]byte)
		*buf, err = readFrame((*buf)[:0], r)
		if err != nil {
			putFrameBuf(buf)
			return c.Ended(err, "charger")
		}
		c.extend()
		if c.job == nil {
			c.job = workers.NewJob(c.handleFrame) // at the first frame: an idle charger never needs one
		}
		c.typ, c.frame = typ, *buf
		c.s.work.Run(c.job)
		c.frame = nil
		putFrameBuf(buf)
		if c.answer != nil {
			_ = c.Write(c.answer) // Write copies it
			c.answer = nil
		}
	}
}

// handleFrame is the job a worker runs for serve: it stores the frame's
// reading and sets the answer.
func (c *conn) handleFrame() { c.answer = c.handle(c.ctx, c.typ, c.frame, c.lim) }

// handle stores one frame's reading and returns its Ack frame (nil for a
// reading without an id), or returns an Error frame.
func (c *conn) handle(ctx context.Context, typ int, b []byte, lim *rate.Limiter) []byte {
	if typ != websocket.TextMessage {
		return c.reject(domain.Errorf(domain.CodeBinary, "binary frames are not supported; send JSON text frames"))
	}
	f, err := ParseFrame(b)
	if err != nil {
		return c.reject(err)
	}
	if !lim.Allow() {
		return c.reject(domain.Errorf(domain.CodeRateLimited, "more than %g readings a second; this reading was not stored", float64(c.s.cfg.Rate)))
	}
	if err := c.s.StoreReading(ctx, c.id, domain.Reading{SoC: f.SoC, ReadingID: f.ReadingID, By: domain.OpenedByReading}); err != nil {
		if domain.ErrorCode(err) == domain.CodeInternal {
			c.s.cfg.Log.Error("reading not stored", "charger", c.id, "err", err)
		}
		return c.reject(err)
	}
	c.s.cfg.Observer.Reading("")
	if f.ReadingID == "" {
		return nil
	}
	c.ack = AppendAckFrame(c.ack[:0], f.ReadingID)
	return c.ack
}

// frameBufs holds the buffers frames are read into, taken once a frame
// arrives and put back once it was handled, so an idle socket holds none.
var frameBufs = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// maxPooledFrame is the largest buffer put back into frameBufs: one long
// frame's buffer is not kept for every later one.
const maxPooledFrame = 4 << 10

func putFrameBuf(b *[]byte) {
	if cap(*b) <= maxPooledFrame {
		*b = (*b)[:0]
		frameBufs.Put(b)
	}
}

// readFrame appends what r holds, to its end, to b (the read limit bounds
// it).
func readFrame(b []byte, r io.Reader) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, 1)
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// reject returns the Error frame that answers a frame not stored.
func (c *conn) reject(err error) []byte {
	code, msg := storeError(err, "reading")
	c.s.cfg.Observer.Reading(code)
	return ErrorFrame(code, msg)
}
