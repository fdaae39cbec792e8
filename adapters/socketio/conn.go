package socketio

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/chargebooth/chargebooth/adapters/livefeed"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// conn is one connected socket: its live-feed subscription (one
// livefeed.Sub at a time, pumped onto the socket by its own goroutine)
// and what it subscribed to, kept for its reconnect.
type conn struct {
	srv  *Server
	so   *socket.Socket
	cred *credentials
	ctx  context.Context // ends when the socket goes
	stop context.CancelFunc

	mu sync.Mutex // guards what follows
	// all and subs mirror the Sub's filter, for persist.
	all  bool
	subs map[string]bool
	sub  *livefeed.Sub
	// pumped is closed when the pump of sub has stopped.
	pumped chan struct{}
}

func newConn(srv *Server, so *socket.Socket, cred *credentials) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	return &conn{srv: srv, so: so, cred: cred, ctx: ctx, stop: cancel, subs: map[string]bool{}}
}

// chargers returns the filter as livefeed ids.
func (c *conn) chargersLocked() []string {
	ids := make([]string, 0, len(c.subs)+1)
	if c.all {
		ids = append(ids, livefeed.All)
	}
	for id := range c.subs {
		ids = append(ids, id)
	}
	return ids
}

// resubscribe replaces the socket's Sub with one for its filter, from
// since when set: the old Sub's pump stops before the new one starts, so
// messages never interleave.
func (c *conn) resubscribe(since *uint64, sinceTime *time.Time) (*livefeed.Sub, error) {
	c.mu.Lock()
	old, oldPumped := c.sub, c.pumped
	flt := livefeed.Filter{Chargers: c.chargersLocked(), Since: since, SinceTime: sinceTime}
	c.mu.Unlock()
	if old != nil {
		old.Close()
		<-oldPumped
	}
	sub, err := c.srv.cfg.Feed.Subscribe(c.ctx, flt)
	if err != nil {
		return nil, err
	}
	pumped := make(chan struct{})
	c.mu.Lock()
	c.sub, c.pumped = sub, pumped
	c.mu.Unlock()
	go c.pump(sub, pumped, since != nil || sinceTime != nil)
	return sub, nil
}

// pump emits sub's messages until it ends; a Sub that fell behind makes
// the socket hear feedClosed {code, message, seq} and go.
func (c *conn) pump(sub *livefeed.Sub, done chan struct{}, backlog bool) {
	defer close(done)
	for m := range sub.C() {
		if m.Kind == livefeed.KindRecovery {
			backlog = false
			if m.Recovery != nil {
				_ = c.so.Emit("recovery", *m.Recovery)
			}
			continue
		}
		c.srv.emitEvent(c.so, m, backlog)
	}
	if err := sub.Err(); errors.Is(err, livefeed.ErrTooSlow) || err != nil && !errors.Is(err, livefeed.ErrClosed) &&
		!errors.Is(err, livefeed.ErrShutdown) && !errors.Is(err, context.Canceled) {
		code := "too_slow"
		if !errors.Is(err, livefeed.ErrTooSlow) {
			code = domain.CodeStoreDown
		}
		_ = c.so.Emit("feedClosed", map[string]any{"code": code, "message": err.Error(), "seq": sub.Last()})
		c.so.Disconnect(true)
	}
}

// close ends the socket's Sub (it went away).
func (c *conn) close() {
	c.stop()
}

// emitEvent sends one live message, named by kind, with its sequence as
// the last argument (the offset socket.io-client keeps for recovery): a
// reading is followed by its status, a fired notice by eventReminder.
func (s *Server) emitEvent(so *socket.Socket, m livefeed.Message, backlog bool) {
	if m.Event == nil {
		return
	}
	e := m.Event
	off := strconv.FormatUint(m.Seq, 10)
	_ = so.Emit(m.Kind, *e, off)
	switch d := e.Data.(type) {
	case domain.SoCReported:
		_ = so.Emit("status", statusMessage{ChargerID: e.ChargerID, SessionID: e.SessionID,
			Status: domain.StatusFor(d.SoC), SoC: d.SoC, Time: e.Time, Seq: e.Seq}, off)
	case domain.NoticeFired:
		if !backlog && s.now().Sub(e.Time) > freshReminder {
			return // a catch-up fold of an old firing, not news
		}
		_ = so.Emit("eventReminder", s.reminderOf(d.NoticeID, d.Text), off)
	}
}
