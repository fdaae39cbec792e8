package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/chargebooth/chargebooth/adapters/livefeed"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/gorilla/websocket"
)

// Live-feed limits (the feed's own queue is livefeed.Config.Queue).
const (
	replyQueue    = 64   // answers queued per client before it is dropped
	maxClientMsg  = 4096 // read limit of a client message
	maxSubs       = livefeed.MaxChargers
	writeWait     = 10 * time.Second // to write one message
	pongWait      = 60 * time.Second // to hear from the client
	pingPeriod    = pongWait * 9 / 10
	closeWaitTime = time.Second
)

// client is one live-feed socket. The reader goroutine owns reads, the
// subscriptions' changes and the Sub; the writer goroutine owns every
// write but control frames.
type client struct {
	conn    *websocket.Conn
	feed    *livefeed.Feed
	ctx     context.Context
	replies chan reply // bounded; never closed

	actor   string        // staff member id it signed in as (set before it is served)
	session string        // hash of its session cookie, "" for a token
	token   string        // hash of the member token it signed in with, "" for a cookie
	expiry  *time.Timer   // ends a cookie-borne client when its session expires
	done    chan struct{} // closed once by drop

	closeOnce   sync.Once
	closeCode   int    // set by drop, read after done
	closeReason string // set by drop, read after done

	// Owned by the reader goroutine.
	all  bool
	subs map[string]bool
	sub  *livefeed.Sub // the socket's feed: broadcasts only until the first subscribe
}

// reply is an answer to write; sub, when set, is the Sub whose messages
// follow it (the writer switches to it once the answer is written, so the
// answer comes first).
type reply struct {
	b   []byte
	sub *livefeed.Sub
}

func newClient(conn *websocket.Conn, feed *livefeed.Feed) *client {
	return &client{conn: conn, feed: feed, replies: make(chan reply, replyQueue), done: make(chan struct{}), subs: map[string]bool{}}
}

// serve runs one client until it goes: the writer on a goroutine of its
// own, the reader on the skeleton's. The socket's Sub starts at once, with
// no charger: notices and pairings reach every client, subscribed or not.
func (c *client) serve(ctx context.Context) string {
	c.ctx = ctx
	sub, err := c.feed.Subscribe(ctx, livefeed.Filter{})
	if err != nil {
		c.drop(websocket.CloseGoingAway, wsconnShutdown)
		_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(c.closeCode, c.closeReason), time.Now().Add(closeWaitTime))
		_ = c.conn.Close()
		return c.reason()
	}
	c.sub = sub
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		c.writeLoop(sub)
	}()
	c.readLoop()
	<-wrote
	return c.reason()
}

// Close implements wsconn.Session: the client goes with close 1001 and
// the reason.
func (c *client) Close(reason string) { c.drop(websocket.CloseGoingAway, reason) }

// send queues an answer without blocking; a client whose answers pile up
// is too slow and is dropped.
func (c *client) send(r reply) {
	select {
	case <-c.done:
	case c.replies <- r:
	default:
		c.drop(websocket.CloseTryAgainLater, "too slow: answers not read")
	}
}

// drop ends the client once, with a close code and reason for the peer.
func (c *client) drop(code int, reason string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeReason = code, reason
		close(c.done)
	})
}

func (c *client) reason() string {
	select {
	case <-c.done:
		return c.closeReason
	default:
		return ""
	}
}

// writeLoop writes answers and the current Sub's messages until the
// client is dropped, then the close frame.
func (c *client) writeLoop(cur *livefeed.Sub) {
	t := time.NewTicker(pingPeriod)
	defer t.Stop()
	defer c.conn.Close()
	var pos uint64 // the position written: the last event's seq, or a marker's "to"
	write := func(b []byte) bool {
		_ = c.conn.SetWriteDeadline(time.Now().Add(writeWait))
		if err := c.conn.WriteMessage(websocket.TextMessage, b); err != nil {
			c.drop(websocket.CloseAbnormalClosure, "write: "+err.Error())
			return false
		}
		return true
	}
	for {
		var msgs <-chan livefeed.Message
		if cur != nil {
			msgs = cur.C()
		}
		select {
		case <-c.done:
			_ = c.conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(c.closeCode, c.closeReason), time.Now().Add(closeWaitTime))
			return
		case r := <-c.replies:
			if !write(r.b) {
				return
			}
			if r.sub != nil {
				cur = r.sub
			}
		case m, ok := <-msgs:
			if !ok {
				if err := cur.Err(); !errors.Is(err, livefeed.ErrClosed) {
					c.drop(subEnded(err, pos))
				} // else replaced by a recovery: its Sub follows its answer
				cur = nil
				continue
			}
			b := m.JSON()
			if b == nil {
				continue // an event that cannot be encoded is skipped, not fatal
			}
			if !write(b) {
				return
			}
			pos = max(pos, m.Seq)
			if m.Recovery != nil {
				pos = max(pos, m.Recovery.To)
			}
		case <-t.C:
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				c.drop(websocket.CloseAbnormalClosure, "ping: "+err.Error())
				return
			}
		}
	}
}

// subEnded is the close code and reason for a client whose Sub ended on
// its own, having written up to pos.
func subEnded(err error, pos uint64) (int, string) {
	resume := fmt.Sprintf("; resume with since %d", pos)
	switch {
	case errors.Is(err, livefeed.ErrTooSlow):
		return websocket.CloseTryAgainLater, "too slow: messages piled up" + resume
	case errors.Is(err, livefeed.ErrShutdown), errors.Is(err, context.Canceled):
		return websocket.CloseGoingAway, "server shutting down" + resume
	default:
		return websocket.CloseTryAgainLater, "recovery failed: " + domain.ErrorMessage(err) + resume
	}
}

func (c *client) readLoop() {
	defer func() { c.sub.Close() }()
	c.conn.SetReadLimit(maxClientMsg)
	_ = c.conn.SetReadDeadline(time.Now().Add(pongWait))
	c.conn.SetPongHandler(func(string) error {
		return c.conn.SetReadDeadline(time.Now().Add(pongWait))
	})
	for {
		mt, msg, err := c.conn.ReadMessage()
		if err != nil {
			code := websocket.CloseNormalClosure
			if err == websocket.ErrReadLimit {
				code = websocket.CloseMessageTooBig
			}
			c.drop(code, "read: "+err.Error())
			return
		}
		_ = c.conn.SetReadDeadline(time.Now().Add(pongWait))
		if mt != websocket.TextMessage {
			c.send(reply{b: errorMessage(domain.CodeBinary, "send JSON text frames")})
			continue
		}
		c.send(c.handle(msg))
	}
}

// clientMessage is what a live-feed client sends.
type clientMessage struct {
	Action     string     `json:"action"`
	ChargerID  string     `json:"chargerId"`
	ChargerIDs []string   `json:"chargerIds"`
	Since      *uint64    `json:"since"`
	SinceTime  *time.Time `json:"sinceTime"`
}

// chargers returns the chargers the message names.
func (m clientMessage) chargers() []string {
	if m.ChargerIDs != nil {
		return m.ChargerIDs
	}
	return []string{m.ChargerID}
}

// ackMessage answers a subscribe or unsubscribe; a subscribe with since
// or sinceTime also says what can be recovered.
type ackMessage struct {
	Type       string   `json:"type"`
	ChargerID  string   `json:"chargerId,omitempty"`
	ChargerIDs []string `json:"chargerIds,omitempty"`
	Since      *uint64  `json:"since,omitempty"`
	Recovered  *bool    `json:"recovered,omitempty"`
	Oldest     uint64   `json:"oldest,omitempty"`
}

type errorMessageBody struct {
	Type string      `json:"type"`
	Data errorDetail `json:"data"`
}

func errorMessage(code, message string) []byte {
	b, _ := json.Marshal(errorMessageBody{Type: "error", Data: errorDetail{Code: code, Message: message}})
	return b
}

func errorReply(err error) reply {
	return reply{b: errorMessage(domain.ErrorCode(err), domain.ErrorMessage(err))}
}

// handle applies one client message and returns the answer.
func (c *client) handle(msg []byte) reply {
	m, err := parseClientMessage(msg)
	if err != nil {
		return errorReply(err)
	}
	ids := m.chargers()
	ack := ackMessage{Type: "subscribed", ChargerID: m.ChargerID, ChargerIDs: m.ChargerIDs}
	if m.Action == "unsubscribe" {
		ack.Type = "unsubscribed"
		c.remove(ids)
		if c.sub != nil {
			c.sub.Remove(ids...)
		}
		return c.ackReply(ack, nil)
	}
	n := len(c.subs)
	for _, id := range ids {
		if id != livefeed.All && !c.subs[id] {
			n++
		}
	}
	if n > maxSubs {
		return errorReply(domain.Errorf(domain.CodeInvalidInput, "too many subscriptions; subscribe to \"*\" instead"))
	}
	if m.Since == nil && m.SinceTime == nil {
		// Widen the running Sub; the answer is queued first so that it
		// comes before the new chargers' events (as a rule: an event
		// already on its way may still come first).
		r := c.ackReply(ack, nil)
		c.add(ids)
		if err := c.sub.Add(ids...); err != nil {
			return errorReply(err)
		}
		return r
	}
	// A recovery: a new Sub, which restarts the socket's feed at since
	// for every charger subscribed, these and those before.
	old := c.sub
	was := c.filter()
	c.add(ids)
	flt := livefeed.Filter{Chargers: c.filter(), Since: m.Since, SinceTime: m.SinceTime}
	sub, err := c.feed.Subscribe(c.ctx, flt) // the store bounds its look-ups
	if err != nil {
		c.all, c.subs = false, map[string]bool{}
		c.add(was)
		return errorReply(err)
	}
	old.Close()
	c.sub = sub
	if m.Since != nil || m.SinceTime != nil {
		rec := sub.Recovery()
		ack.Since, ack.Recovered, ack.Oldest = &rec.Since, &rec.Recovered, rec.Oldest
	}
	return c.ackReply(ack, sub)
}

func (c *client) ackReply(ack ackMessage, sub *livefeed.Sub) reply {
	b, _ := json.Marshal(ack)
	return reply{b: b, sub: sub}
}

func (c *client) add(ids []string) {
	for _, id := range ids {
		if id == livefeed.All {
			c.all = true
			continue
		}
		c.subs[id] = true
	}
}

func (c *client) remove(ids []string) {
	for _, id := range ids {
		if id == livefeed.All {
			c.all = false
			clear(c.subs)
			continue
		}
		delete(c.subs, id)
	}
}

// filter returns the chargers subscribed.
func (c *client) filter() []string {
	if c.all {
		return []string{livefeed.All}
	}
	out := make([]string, 0, len(c.subs))
	for id := range c.subs {
		out = append(out, id)
	}
	return out
}

// parseClientMessage decodes and checks a client message strictly.
func parseClientMessage(msg []byte) (clientMessage, error) {
	var m clientMessage
	if err := decodeJSON(msg, &m); err != nil {
		return m, err
	}
	if m.Action != "subscribe" && m.Action != "unsubscribe" {
		return m, domain.Errorf(codeUnknownAction, "action must be \"subscribe\" or \"unsubscribe\" (got %.40q)", m.Action)
	}
	switch {
	case m.ChargerIDs != nil && m.ChargerID != "":
		return m, domain.Errorf(domain.CodeInvalidInput, "give chargerId or chargerIds, not both")
	case m.ChargerIDs != nil && len(m.ChargerIDs) == 0:
		return m, domain.Errorf(domain.CodeInvalidInput, "chargerIds is empty")
	case len(m.ChargerIDs) > maxSubs:
		return m, domain.Errorf(domain.CodeInvalidInput, "too many chargerIds (at most %d); subscribe to \"*\" instead", maxSubs)
	}
	if err := livefeed.CheckChargers(m.chargers()); err != nil {
		return m, err
	}
	if m.Action == "unsubscribe" && (m.Since != nil || m.SinceTime != nil) {
		return m, domain.Errorf(domain.CodeInvalidInput, "since and sinceTime belong to subscribe")
	}
	flt := livefeed.Filter{Since: m.Since, SinceTime: m.SinceTime}
	if err := flt.Check(); err != nil {
		return m, err
	}
	return m, nil
}
