package netpark

import (
	"encoding/binary"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/chargebooth/chargebooth/internal/workers"
)

// Opcodes of the control frames Poll answers.
const (
	OpPing = 0x9
	OpPong = 0xA
)

// Control answers the control frames Poll finds between messages: a ping
// (OpPing) or a pong (OpPong) with its unmasked payload. An error ends the
// socket: the next Read returns it.
type Control interface {
	Control(op byte, payload []byte) error
}

// bufSize is a parked-capable connection's read-ahead buffer, taken from a
// pool while it holds bytes (an idle connection holds none). It holds any
// whole control frame (at most 14 + 125 bytes).
const bufSize = 512

var bufs = sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}

// Conn states.
const (
	running = iota // its read loop runs (or it has not parked yet)
	parked         // waiting for data, its deadline or Close
	closed
)

// Conn is a TCP connection that can be parked (see the package doc). It is
// made by a Listener.
type Conn struct {
	net.Conn
	rc syscall.RawConn
	fd int
	p  *poller

	// The read side, the read loop's alone.
	frames  bool    // reads stop at frame ends (from the first Poll on)
	buf     *[]byte // pooled, nil when empty; holds (*buf)[off:end]
	off     int
	end     int
	hdr     [14]byte // the current frame's header bytes read so far
	nh      int
	remain  uint64 // payload bytes left in the current frame, once the header is read
	payload bool   // inside the payload of the current frame
	block   bool   // the next Read must go to the connection (an error or EOF is waiting there)
	err     error  // from a control frame's handler: returned by every Read
	noPark  bool   // the poller refused this connection: never park it
	// drained: the last read from the kernel returned less than it could
	// take (or nothing to read), so the kernel held nothing more then; what
	// arrives after it, the edge-triggered poller reports.
	drained bool
	rawRead func(uintptr) bool // fill's read (rawReadFunc), with its buffer and results:
	into    []byte
	n       int
	rerr    error

	mu         sync.Mutex // guards what follows
	state      int
	resume     func() // set while parked
	pending    bool   // epoll told of an arrival while the loop ran
	deadline   time.Time
	timer      *time.Timer // fires by the deadline while parked; made at the first park with one
	timerAt    time.Time   // when timer fires (zero: not set)
	registered bool        // in the poller's epoll set

	wmu  sync.Mutex // guards wset
	wset time.Time  // the write deadline set on the connection under
}

// WriteSlack is how much later than asked a write deadline may fall. A
// WebSocket library sets the write deadline before every frame, and each
// time moved a runtime timer (5 % of the server's CPU at 8,000 readings/s,
// with two writes per reading); SetWriteDeadline moves it only when the
// deadline asked for is past the one set, and then to WriteSlack beyond, so
// a socket writing a frame a second moves it every few seconds. A write
// never times out earlier than asked.
const WriteSlack = 5 * time.Second

// Of returns the parkable connection under nc, or nil when there is none.
func Of(nc net.Conn) *Conn {
	c, _ := nc.(*Conn)
	return c
}

func (c *Conn) buffered() int { return c.end - c.off }

// take makes sure a buffer is held, its bytes moved to its start.
func (c *Conn) take() []byte {
	if c.buf == nil {
		c.buf, c.off, c.end = bufs.Get().(*[]byte), 0, 0
	} else if c.off > 0 {
		c.end = copy(*c.buf, (*c.buf)[c.off:c.end])
		c.off = 0
	}
	return *c.buf
}

// drop puts the buffer back once it holds nothing.
func (c *Conn) drop() {
	if c.buf != nil && c.off == c.end {
		bufs.Put(c.buf)
		c.buf, c.off, c.end = nil, 0, 0
	}
}

// Read reads what the library asks for; once Poll has run, never past the
// end of the current frame.
func (c *Conn) Read(p []byte) (int, error) {
	if !c.frames {
		return c.Conn.Read(p)
	}
	if c.err != nil {
		return 0, c.err
	}
	if c.buffered() == 0 {
		b := c.take()
		n, err := c.Conn.Read(b)
		c.block = false
		c.drained = n < len(b)
		if n == 0 {
			c.drop()
			return 0, err
		}
		c.end = n
		if err != nil {
			c.block = true // the data first, the error at the next Read
		}
	}
	n := min(len(p), c.allowed(), c.buffered())
	copy(p, (*c.buf)[c.off:c.off+n])
	c.advance((*c.buf)[c.off : c.off+n])
	c.off += n
	c.drop()
	return n, nil
}

// hdrLen is the length of the current frame's header as far as its read
// bytes tell (client frames are masked: 4 more bytes).
func (c *Conn) hdrLen() int {
	if c.nh < 2 {
		return 2
	}
	return headerLen(c.hdr[1])
}

func headerLen(b1 byte) int {
	n := 2
	switch b1 & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b1&0x80 != 0 {
		n += 4
	}
	return n
}

// allowed is how many bytes a read may return without passing the end of
// the current frame (or of its header, whose length its first two bytes
// tell).
func (c *Conn) allowed() int {
	if c.payload {
		return int(min(c.remain, 1<<30))
	}
	return c.hdrLen() - c.nh
}

// advance follows the frames through bytes handed to the library.
func (c *Conn) advance(b []byte) {
	for len(b) > 0 {
		if c.payload {
			k := min(uint64(len(b)), c.remain)
			c.remain -= k
			b = b[k:]
			if c.remain == 0 {
				c.payload, c.nh = false, 0
			}
			continue
		}
		c.hdr[c.nh] = b[0]
		c.nh++
		b = b[1:]
		if c.nh >= 2 && c.nh == c.hdrLen() {
			c.remain = payloadLen(c.hdr[:c.nh])
			c.payload = c.remain > 0
			if !c.payload {
				c.nh = 0
			}
		}
	}
}

func payloadLen(h []byte) uint64 {
	switch n := h[1] & 0x7f; n {
	case 126:
		return uint64(binary.BigEndian.Uint16(h[2:4]))
	case 127:
		return binary.BigEndian.Uint64(h[2:10])
	default:
		return uint64(n)
	}
}

// Poll reports whether the read loop should park: it is between frames,
// nothing is buffered and the kernel holds nothing to read. Ping and pong
// frames it finds first go to ctl. It reports false when the library must
// read next: a data or close frame has begun, an error or the peer's end
// waits on the connection, the read deadline has passed, or the
// connection cannot be parked.
func (c *Conn) Poll(ctl Control) (park bool) {
	c.frames = true
	for {
		if c.payload || c.nh != 0 || c.block || c.err != nil || c.noPark || c.expired() {
			return false
		}
		data := c.bytes()
		if len(data) == 0 && c.drained {
			return true // the last read left the kernel empty: what comes later, epoll tells
		}
		if len(data) == 0 || isControl(data[0]) && !wholeControl(data) {
			if !c.fill() {
				return !c.block
			}
			continue
		}
		if !isControl(data[0]) || !wellFormedControl(data) {
			return false // the library reads it, and refuses what it must
		}
		h := headerLen(data[1])
		n := h + int(data[1]&0x7f)
		payload := data[h:n]
		key := data[h-4 : h]
		for i := range payload {
			payload[i] ^= key[i&3]
		}
		err := ctl.Control(data[0]&0x0f, payload)
		c.off += n
		c.drop()
		if err != nil {
			c.err = err
			return false
		}
	}
}

func (c *Conn) bytes() []byte {
	if c.buf == nil {
		return nil
	}
	return (*c.buf)[c.off:c.end]
}

func isControl(b0 byte) bool { op := b0 & 0x0f; return op == OpPing || op == OpPong }

// wholeControl reports whether data holds a whole control frame (as its
// header tells; a malformed one counts as whole: the library refuses it).
func wholeControl(data []byte) bool {
	if len(data) < 2 {
		return false
	}
	if !wellFormedControl(data) {
		return true
	}
	return len(data) >= headerLen(data[1])+int(data[1]&0x7f)
}

// wellFormedControl: final, no reserved bits, masked, at most 125 bytes.
func wellFormedControl(data []byte) bool {
	return data[0]&0xf0 == 0x80 && data[1]&0x80 != 0 && data[1]&0x7f <= 125
}

// expired reports whether the read deadline has passed.
func (c *Conn) expired() bool {
	c.mu.Lock()
	d := c.deadline
	c.mu.Unlock()
	return !d.IsZero() && !time.Now().Before(d)
}

// fill reads what the kernel holds into the buffer without waiting. It
// reports false when there was nothing (the loop may park) or when an
// error or the peer's end waits there (block: the library's next Read
// meets it).
func (c *Conn) fill() bool {
	b := c.take()
	if c.end == len(b) {
		return false // a full buffer cannot be a partial control frame; not reached
	}
	c.into = b[c.end:]
	cerr := c.rc.Read(c.rawRead)
	c.into = nil
	n, err := c.n, c.rerr
	switch {
	case cerr == nil && err == nil && n > 0:
		c.drained = n < len(b)-c.end
		c.end += n
		return true
	case cerr == nil && err == syscall.EAGAIN:
		c.drained = true
		c.drop()
		return false
	default:
		c.drop()
		c.block = true
		return false
	}
}

// rawReadFunc returns the read fill makes without waiting (made once, in wrap: a
// closure made at each fill would be garbage at every reading).
func (c *Conn) rawReadFunc() func(uintptr) bool {
	return func(fd uintptr) bool {
		c.n, c.rerr = syscall.Read(int(fd), c.into)
		return true // never wait here
	}
}

// starts runs resumed read loops: on a goroutine whose stack an earlier
// loop grew, when one waits (see workers.Starter).
var starts = workers.NewStarter(64)

// WaitingResumers reports how many goroutines wait to run a resumed read
// loop: at most 64, whatever the number of sockets, and held once a burst
// of resumes made them.
func WaitingResumers() int { return starts.Waiting() }

// Park has resume called on a goroutine of its own once the connection has
// something to read, its read deadline passes or it is closed. Call it
// after Poll reported true, and return from the read loop.
func (c *Conn) Park(resume func()) {
	c.drop()
	c.drained = false // whatever resumes the loop, its next Poll reads
	c.mu.Lock()
	if c.state == closed || c.pending {
		// Closed, or something arrived since Poll looked: no wait.
		c.pending = false
		c.mu.Unlock()
		starts.Go(resume)
		return
	}
	if !c.registered {
		if err := c.p.add(c); err != nil {
			c.noPark = true // read and wait as an unparked socket from now on
			c.mu.Unlock()
			starts.Go(resume)
			return
		}
	}
	c.state, c.resume = parked, resume
	c.armTimer()
	c.mu.Unlock()
}

// armTimer makes sure the timer fires by the read deadline; c.mu is held.
// A timer due earlier is left alone: when it fires it sets itself again for
// the deadline's remainder, so a deadline pushed out after every frame
// costs no timer change per frame.
func (c *Conn) armTimer() {
	if c.deadline.IsZero() || !c.timerAt.IsZero() && !c.deadline.Before(c.timerAt) {
		return
	}
	c.timerAt = c.deadline
	if c.timer == nil {
		c.timer = time.AfterFunc(time.Until(c.deadline), c.expire)
	} else {
		c.timer.Reset(time.Until(c.deadline))
	}
}

// wake resumes a parked read loop (the poller saw data or the peer's end);
// one that is running hears of it when it parks next (pending), since
// epoll tells each arrival once (edge-triggered) and it may have come
// after the loop last looked.
func (c *Conn) wake() {
	c.mu.Lock()
	if c.state != parked {
		if c.state == running {
			c.pending = true
		}
		c.mu.Unlock()
		return
	}
	c.resumeLocked()
}

// resumeLocked ends a park: the loop runs again, on a goroutine of its own
// (see starts). It
// is called with c.mu held and releases it.
func (c *Conn) resumeLocked() {
	r := c.resume
	c.state, c.resume = running, nil
	c.mu.Unlock()
	starts.Go(r)
}

// expire resumes a parked read loop whose deadline has passed, so that
// its read fails as a waiting read would have; before the deadline it sets
// the timer again for the rest.
func (c *Conn) expire() {
	c.mu.Lock()
	c.timerAt = time.Time{}
	if c.state != parked || c.deadline.IsZero() {
		c.mu.Unlock()
		return
	}
	if time.Now().Before(c.deadline) {
		c.armTimer()
		c.mu.Unlock()
		return
	}
	c.resumeLocked()
}

// SetReadDeadline sets the read deadline, which also bounds a park.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.setDeadline(t)
	return c.Conn.SetReadDeadline(t)
}

// SetDeadline sets both deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	c.setDeadline(t)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wset = t
	return c.Conn.SetDeadline(t)
}

// SetWriteDeadline makes writes time out at t or at most WriteSlack after
// it (see WriteSlack). A zero t, or one already past (to end a write at
// once), is set as it is.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	switch {
	case t.IsZero():
		if c.wset.IsZero() {
			return nil
		}
	case !c.wset.IsZero() && !c.wset.Before(t) && c.wset.Sub(t) <= WriteSlack:
		return nil // the deadline set is at t or a little after
	case t.After(time.Now()):
		t = t.Add(WriteSlack)
	}
	c.wset = t
	return c.Conn.SetWriteDeadline(t)
}

func (c *Conn) setDeadline(t time.Time) {
	c.mu.Lock()
	c.deadline = t
	if c.state == parked {
		c.armTimer()
	}
	c.mu.Unlock()
}

// CloseWrite half-closes the connection when the one under it can, as
// net/http does before closing a connection it refused.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Close closes the connection and resumes a parked read loop, whose read
// then fails. It leaves the poller before the descriptor is closed, so a
// later connection given the same number is not mistaken for it.
func (c *Conn) Close() error {
	c.mu.Lock()
	was, r := c.state, c.resume
	c.state, c.resume = closed, nil
	if c.registered {
		c.p.remove(c)
		c.registered = false
	}
	if c.timer != nil {
		c.timer.Stop()
	}
	c.mu.Unlock()
	err := c.Conn.Close()
	if was == parked {
		starts.Go(r)
	}
	return err
}
