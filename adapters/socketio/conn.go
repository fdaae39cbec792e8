package socketio

import (
	"context"
	"strconv"
	"sync"

	"github.com/zishang520/socket.io/servers/socket/v3"
)

// message is one event to push: its Socket.IO name, its payload and the
// stream sequence it reports (0: none, sent without an offset).
type message struct {
	name    string
	payload any
	lazy    *lazyPayload // when set, the payload is resolved by the writer
	seq     uint64
	also    []message // more events for the same sequence, sent right after
}

// lazyPayload is a payload computed once, outside the board's lock, by the
// first writer that sends it and shared by every socket.
type lazyPayload struct {
	once sync.Once
	f    func() (any, bool)
	v    any
	ok   bool
}

func (l *lazyPayload) get() (any, bool) {
	l.once.Do(func() { l.v, l.ok = l.f() })
	return l.v, l.ok
}

// conn is one connected socket: its subscriptions and its bounded send
// queue, drained by its own writer goroutine (the board listener only
// enqueues).
type conn struct {
	so    *socket.Socket
	cred  *credentials
	pid   string
	send  chan message
	done  chan struct{}
	once  sync.Once
	cause string // why done closed; set before close(done)

	mu sync.Mutex // guards all, subs, holding, held, replayed, lastSeq
	// all and subs are what the socket subscribed to.
	all  bool
	subs map[string]bool
	// holding counts the replays running: live messages wait in held and
	// are sent after them, without those a replay already sent (replayed).
	holding  int
	held     []message
	replayed map[uint64]bool
	lastSeq  uint64 // the highest sequence queued
}

func newConn(so *socket.Socket, cred *credentials, pid string) *conn {
	return &conn{so: so, cred: cred, pid: pid, send: make(chan message, sendQueue), done: make(chan struct{}), subs: map[string]bool{}}
}

// wants reports whether the socket subscribed to chargerID.
func (c *conn) wants(chargerID string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.all || chargerID != "" && c.subs[chargerID]
}

// push queues a live message (or holds it while a replay runs).
func (c *conn) push(m message) {
	c.mu.Lock()
	if c.holding > 0 {
		c.held = append(c.held, m)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.enqueue(m)
}

// replayed queues a message read back from the stream during a replay.
func (c *conn) replayedMessage(m message) {
	c.mu.Lock()
	if c.replayed[m.seq] {
		c.mu.Unlock()
		return
	}
	if c.replayed == nil {
		c.replayed = map[uint64]bool{}
	}
	c.replayed[m.seq] = true
	c.mu.Unlock()
	c.enqueue(m)
}

// enqueue queues m without blocking; a socket whose queue is full is too
// slow and is dropped with a reason (it resumes from its last offset).
func (c *conn) enqueue(m message) {
	c.mu.Lock()
	if m.seq > c.lastSeq {
		c.lastSeq = m.seq
	}
	c.mu.Unlock()
	select {
	case <-c.done:
	case c.send <- m:
	default:
		c.stop("too slow: send queue full; reconnect and resume from your last offset")
	}
}

// hold starts holding live messages (before a replay).
func (c *conn) hold() {
	c.mu.Lock()
	c.holding++
	c.mu.Unlock()
}

// release ends a replay: once none runs, what was held is sent, without
// what the replays sent, and the socket is live again. Held messages are
// sent under the lock so that no live one overtakes them.
func (c *conn) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.holding--
	if c.holding > 0 {
		return
	}
	held, seen := c.held, c.replayed
	c.held, c.replayed = nil, nil
	for _, m := range held {
		if seen[m.seq] {
			continue
		}
		if m.seq > c.lastSeq {
			c.lastSeq = m.seq
		}
		select {
		case <-c.done:
			return
		case c.send <- m:
		default:
			c.stopLocked("too slow: send queue full; reconnect and resume from your last offset")
			return
		}
	}
}

// stopLocked is stop for a caller holding c.mu (stop takes no lock).
func (c *conn) stopLocked(cause string) { c.stop(cause) }

// stop ends the socket once with a cause.
func (c *conn) stop(cause string) {
	c.once.Do(func() {
		c.cause = cause
		close(c.done)
	})
}

// write drains the queue until the socket goes; a socket stopped for a
// cause hears feedClosed {code, message, seq} before it is disconnected.
func (c *conn) write(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.done:
			if c.cause != "" {
				c.mu.Lock()
				last := c.lastSeq
				c.mu.Unlock()
				_ = c.so.Emit("feedClosed", map[string]any{"code": "too_slow", "message": c.cause, "seq": last})
				c.so.Disconnect(true)
			}
			return
		case m := <-c.send:
			c.emit(m)
			for _, a := range m.also {
				c.emit(a)
			}
		}
	}
}

// emit sends one message, with its sequence as the last argument (the
// offset socket.io-client keeps for recovery).
func (c *conn) emit(m message) {
	p := m.payload
	if m.lazy != nil {
		v, ok := m.lazy.get()
		if !ok {
			return
		}
		p = v
	}
	if m.seq > 0 {
		_ = c.so.Emit(m.name, p, strconv.FormatUint(m.seq, 10))
	} else {
		_ = c.so.Emit(m.name, p)
	}
}
