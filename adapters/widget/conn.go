package widget

import (
	"context"
	"io"

	"github.com/chargebooth/chargebooth/adapters/wsconn"
)

// conn is one widget socket. The hub offers frames into its bounded queue;
// a flusher runs only while frames are waiting (on a goroutine an earlier
// flush ran on, when one waits: see flushersKept), so an idle
// widget costs no goroutine (its reader parks, see wsconn.Socket.Idle; one
// where it cannot park: TLS) and no write buffer. Pings come
// from a timer.
type conn struct {
	wsconn.Socket // its lock also guards queue and flushing
	s             *Server
	queue         [][]byte
	flushing      bool
	flushFn       func() // flush, made once
	extend        func() // pushes the read deadline out (set by serve's first call)
}

// flushersKept is how many goroutines that ran a flush wait for the next:
// a new goroutine would grow its small stack by copying it at every status
// written (with one flusher per status at 8,000 readings/s, ~2 % of the
// server's CPU).
const flushersKept = 64

// offer queues a frame without ever blocking; a full queue means the widget
// is not keeping up, and it is dropped.
func (c *conn) offer(b []byte) {
	c.Lock()
	if c.ClosedLocked() {
		c.Unlock()
		return
	}
	if len(c.queue) >= c.s.cfg.Queue {
		c.Unlock()
		c.s.cfg.Observer.Dropped()
		go c.Close("too slow: send queue full")
		return
	}
	c.queue = append(c.queue, b)
	start := !c.flushing
	c.flushing = true
	c.Unlock()
	if start {
		c.s.starts.Go(c.flushFn)
	}
}

// flush writes queued frames in order until the queue is empty. At most one
// flush runs at a time (flushing), which keeps the frames in order.
func (c *conn) flush() {
	for {
		c.Lock()
		if len(c.queue) == 0 || c.ClosedLocked() {
			c.queue, c.flushing = nil, false
			c.Unlock()
			return
		}
		batch := c.queue
		c.queue = nil
		c.Unlock()
		for _, b := range batch {
			if c.Write(b) != nil {
				return
			}
			c.s.cfg.Observer.Sent()
		}
	}
}

// serve discards what the widget sends and returns why the socket closed,
// or returns wsconn.Parked when nothing is left to read (the edge calls it
// again once there is).
func (c *conn) serve(context.Context) string {
	if c.extend == nil {
		c.extend = c.ExpectPongs(c.s.cfg.PingPeriod)
	}
	for {
		if c.Idle() {
			return wsconn.Parked
		}
		_, r, err := c.WS.NextReader()
		if err == nil {
			_, err = io.Copy(io.Discard, r) // to the message's end, so that Idle can tell
		}
		if err != nil {
			return c.Ended(err, "widget")
		}
		c.extend()
	}
}
