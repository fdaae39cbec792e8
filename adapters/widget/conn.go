package widget

import (
	"sync"
	"time"

	"github.com/chargebooth/chargebooth/adapters/wsconn"
	"github.com/gorilla/websocket"
)

// conn is one widget socket. The hub offers frames into its bounded queue;
// a flusher goroutine exists only while frames are waiting, so an idle
// widget costs one goroutine (its reader) and no write buffer. Pings come
// from a timer.
type conn struct {
	s      *Server
	id     string
	connID string
	ws     *websocket.Conn

	mu       sync.Mutex // guards queue, flushing, closed, reason, ping
	queue    [][]byte
	flushing bool
	closed   bool
	reason   string
	ping     *wsconn.Keepalive
}

// offer queues a frame without ever blocking; a full queue means the widget
// is not keeping up, and it is dropped.
func (c *conn) offer(b []byte) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if len(c.queue) >= c.s.cfg.Queue {
		c.mu.Unlock()
		c.s.cfg.Observer.Dropped()
		go c.close("too slow: send queue full")
		return
	}
	c.queue = append(c.queue, b)
	start := !c.flushing
	c.flushing = true
	c.mu.Unlock()
	if start {
		go c.flush()
	}
}

// flush writes queued frames in order until the queue is empty. At most one
// flush runs at a time (flushing), which keeps the frames in order.
func (c *conn) flush() {
	for {
		c.mu.Lock()
		if len(c.queue) == 0 || c.closed {
			c.queue, c.flushing = nil, false
			c.mu.Unlock()
			return
		}
		batch := c.queue
		c.queue = nil
		c.mu.Unlock()
		for _, b := range batch {
			_ = c.ws.SetWriteDeadline(time.Now().Add(wsconn.WriteWait))
			if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
				c.close("write failed")
				return
			}
			c.s.cfg.Observer.Sent()
		}
	}
}

// startPing pings the widget every PingPeriod until the socket closes.
func (c *conn) startPing() {
	k := wsconn.StartKeepalive(c.ws, c.s.cfg.PingPeriod, func() { c.close("ping failed") })
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		k.Stop()
		return
	}
	c.ping = k
}

func (c *conn) close(reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed, c.reason = true, reason
	ping := c.ping
	c.mu.Unlock()
	if ping != nil {
		ping.Stop()
	}
	wsconn.Close(c.ws, reason)
}

// reader discards what the widget sends and returns why the socket closed.
func (c *conn) reader() string {
	defer c.close("")
	extend := wsconn.ExpectPongs(c.ws, c.s.cfg.PingPeriod)
	for {
		if _, _, err := c.ws.NextReader(); err != nil {
			c.mu.Lock()
			r := c.reason
			c.mu.Unlock()
			return wsconn.Reason(r, err, "widget")
		}
		extend()
	}
}
