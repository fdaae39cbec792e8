package widget

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// conn is one widget socket: the hub offers frames into its bounded queue;
// the writer goroutine drains it; the reader only handles control frames.
type conn struct {
	s      *Server
	id     string
	connID string
	ws     *websocket.Conn
	send   chan []byte
	done   chan struct{}

	once   sync.Once
	mu     sync.Mutex // guards reason
	reason string
}

// offer queues a frame without ever blocking; a full queue means the widget
// is not keeping up, and it is dropped.
func (c *conn) offer(b []byte) {
	select {
	case c.send <- b:
	case <-c.done:
	default:
		c.s.cfg.Observer.Dropped()
		go c.close("too slow: send queue full")
	}
}

func (c *conn) close(reason string) {
	c.once.Do(func() {
		c.mu.Lock()
		c.reason = reason
		c.mu.Unlock()
		close(c.done)
		msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, reason)
		_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
		_ = c.ws.Close()
	})
}

func (c *conn) writer() {
	ping := time.NewTicker(c.s.cfg.PingPeriod)
	defer ping.Stop()
	for {
		select {
		case b := <-c.send:
			_ = c.ws.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
				c.close("write failed")
				return
			}
			c.s.cfg.Observer.Sent()
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				c.close("ping failed")
				return
			}
		case <-c.done:
			return
		}
	}
}

// reader discards what the widget sends and returns why the socket closed.
func (c *conn) reader() string {
	defer c.close("")
	pongWait := 2 * c.s.cfg.PingPeriod
	_ = c.ws.SetReadDeadline(time.Now().Add(pongWait))
	c.ws.SetPongHandler(func(string) error { return c.ws.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		if _, _, err := c.ws.NextReader(); err != nil {
			c.mu.Lock()
			r := c.reason
			c.mu.Unlock()
			if r != "" {
				return r
			}
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return fmt.Sprintf("closed by widget (%d %s)", ce.Code, ce.Text)
			}
			return "read error: " + err.Error()
		}
		_ = c.ws.SetReadDeadline(time.Now().Add(pongWait))
	}
}
