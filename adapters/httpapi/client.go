package httpapi

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/gorilla/websocket"
)

// Live-feed limits.
const (
	sendQueue     = 256              // messages queued per client before it is dropped
	maxClientMsg  = 4096             // read limit of a client message
	maxSubs       = 1024             // charger subscriptions per client
	writeWait     = 10 * time.Second // to write one message
	pongWait      = 60 * time.Second // to hear from the client
	pingPeriod    = pongWait * 9 / 10
	closeWaitTime = time.Second
)

// client is one live-feed socket. The reader goroutine owns reads and the
// subscriptions' changes; the writer goroutine owns every write but
// control frames.
type client struct {
	conn *websocket.Conn
	send chan *item // bounded; never closed

	actor   string        // staff member id it signed in as (set before it is served)
	session string        // hash of its session cookie, "" for a token
	expiry  *time.Timer   // ends a cookie-borne client when its session expires
	done    chan struct{} // closed once by drop

	closeOnce   sync.Once
	closeCode   int    // set by drop, read after done
	closeReason string // set by drop, read after done

	mu   sync.Mutex // guards all and subs
	all  bool
	subs map[string]bool
}

func newClient(conn *websocket.Conn) *client {
	return &client{conn: conn, send: make(chan *item, sendQueue), done: make(chan struct{}), subs: map[string]bool{}}
}

// wants reports whether the client subscribed to chargerID.
func (c *client) wants(chargerID string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.all || chargerID != "" && c.subs[chargerID]
}

// enqueue queues it without blocking; a client whose queue is full is too
// slow and is dropped.
func (c *client) enqueue(it *item) {
	select {
	case <-c.done:
	case c.send <- it:
	default:
		c.drop(websocket.CloseTryAgainLater, "too slow: send queue full")
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

func (c *client) writeLoop() {
	t := time.NewTicker(pingPeriod)
	defer t.Stop()
	defer c.conn.Close()
	for {
		select {
		case <-c.done:
			_ = c.conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(c.closeCode, c.closeReason), time.Now().Add(closeWaitTime))
			return
		case it := <-c.send:
			b, err := it.bytes()
			if err != nil {
				continue // an event that cannot be encoded is skipped, not fatal
			}
			_ = c.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.conn.WriteMessage(websocket.TextMessage, b); err != nil {
				c.drop(websocket.CloseAbnormalClosure, "write: "+err.Error())
				return
			}
		case <-t.C:
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				c.drop(websocket.CloseAbnormalClosure, "ping: "+err.Error())
				return
			}
		}
	}
}

func (c *client) readLoop() {
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
			c.reply(errorMessage(domain.CodeBinary, "send JSON text frames"))
			continue
		}
		c.reply(c.handle(msg))
	}
}

// reply queues a message for the client.
func (c *client) reply(b []byte) { c.enqueue(rawItem(b)) }

// clientMessage is what a live-feed client sends.
type clientMessage struct {
	Action    string `json:"action"`
	ChargerID string `json:"chargerId"`
}

type ackMessage struct {
	Type      string `json:"type"`
	ChargerID string `json:"chargerId"`
}

type errorMessageBody struct {
	Type string      `json:"type"`
	Data errorDetail `json:"data"`
}

func errorMessage(code, message string) []byte {
	b, _ := json.Marshal(errorMessageBody{Type: "error", Data: errorDetail{Code: code, Message: message}})
	return b
}

// handle applies one client message and returns the answer.
func (c *client) handle(msg []byte) []byte {
	m, err := parseClientMessage(msg)
	if err != nil {
		return errorMessage(domain.ErrorCode(err), domain.ErrorMessage(err))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	typ := "subscribed"
	switch {
	case m.Action == "subscribe" && m.ChargerID == "*":
		c.all = true
	case m.Action == "subscribe":
		if !c.subs[m.ChargerID] && len(c.subs) >= maxSubs {
			return errorMessage(domain.CodeInvalidInput, "too many subscriptions; subscribe to \"*\" instead")
		}
		c.subs[m.ChargerID] = true
	case m.ChargerID == "*":
		typ, c.all = "unsubscribed", false
		clear(c.subs)
	default:
		typ = "unsubscribed"
		delete(c.subs, m.ChargerID)
	}
	b, _ := json.Marshal(ackMessage{Type: typ, ChargerID: m.ChargerID})
	return b
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
	if m.ChargerID != "*" {
		if err := domain.ValidateDeviceID("charger", m.ChargerID); err != nil {
			return m, err
		}
	}
	return m, nil
}
