package ocpp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/chargebooth/chargebooth/adapters/wsconn"
	"github.com/gorilla/websocket"
)

// Subprotocol is the WebSocket subprotocol of OCPP 1.6J. The endpoint must
// echo it in the 101 answer (websocket.Upgrader.Subprotocols).
const Subprotocol = "ocpp1.6"

// Offers reports whether an upgrade request offers the OCPP 1.6J
// subprotocol.
func Offers(r *http.Request) bool {
	return slices.Contains(websocket.Subprotocols(r), Subprotocol)
}

// ConnConfig tunes a Conn; zero fields take the defaults shown.
type ConnConfig struct {
	// ChargerID is the id from the endpoint path, passed to the Backend.
	ChargerID string
	// Router answers the charger's CALLs; required.
	Router *Router
	// Logger; nil means slog.Default().
	Logger *slog.Logger
	// SendQueue bounds the frames waiting for the writer (32).
	SendQueue int
	// ReadLimit is the largest frame read (DefaultReadLimit); a larger one
	// closes the socket with 1009.
	ReadLimit int64
	// PongWait is how long the socket may stay silent (60 s): no frame,
	// no pong, no ping.
	PongWait time.Duration
	// PingInterval is how often the server pings (PongWait * 9 / 10).
	PingInterval time.Duration
	// WriteWait bounds one write (10 s).
	WriteWait time.Duration
	// HandlerTimeout bounds one CALL's Backend work (30 s).
	HandlerTimeout time.Duration
	// Actions is what CallRaw may send (Actions16).
	Actions *ActionSet
	// Journal hears every server-initiated call and its outcome; nil
	// records nothing.
	Journal CallJournal
	// Booted, when set, runs on a goroutine of its own each time the
	// charger's BootNotification was answered Accepted, once that answer
	// is queued ahead of any CALL Booted sends (the place to configure the
	// charger). ctx ends with the connection.
	Booted func(ctx context.Context, c *Conn)
}

// Conn is one charger's OCPP 1.6J session over an upgraded WebSocket. Serve
// runs it: the calling goroutine reads and answers the charger's CALLs in
// order, a second goroutine writes. Call sends server-initiated CALLs.
type Conn struct {
	ws     *websocket.Conn
	id     string
	router *Router
	sess   *Session // the boot status and message rate of this connection
	log    *slog.Logger
	cfg    ConnConfig

	send      chan []byte   // frames for the writer; bounded
	done      chan struct{} // closed once when the connection ends
	closeOnce sync.Once

	// slot holds a token while a server-initiated call is outstanding:
	// at most one per charger, as OCPP-J requires.
	slot chan struct{}

	mu       sync.Mutex   // guards pending, closedBy and readErr
	pending  *pendingCall // the outstanding server-initiated call, or nil
	closedBy string       // the reason given to Close
	readErr  error        // what ended the read loop
}

// pendingCall waits for the answer to a server-initiated CALL.
type pendingCall struct {
	id    string
	reply chan Frame // buffered 1
}

// NewConn wraps ws, already upgraded with Subprotocol. Call Serve to run it.
func NewConn(ws *websocket.Conn, cfg ConnConfig) *Conn {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.SendQueue <= 0 {
		cfg.SendQueue = 32
	}
	if cfg.ReadLimit <= 0 {
		cfg.ReadLimit = DefaultReadLimit
	}
	if cfg.PongWait <= 0 {
		cfg.PongWait = 60 * time.Second
	}
	if cfg.PingInterval <= 0 || cfg.PingInterval >= cfg.PongWait {
		cfg.PingInterval = cfg.PongWait * 9 / 10
	}
	if cfg.WriteWait <= 0 {
		cfg.WriteWait = 10 * time.Second
	}
	if cfg.HandlerTimeout <= 0 {
		cfg.HandlerTimeout = 30 * time.Second
	}
	if cfg.Actions == nil {
		cfg.Actions = Actions16
	}
	if cfg.Journal == nil {
		cfg.Journal = nopJournal{}
	}
	return &Conn{
		ws:     ws,
		id:     cfg.ChargerID,
		router: cfg.Router,
		sess:   cfg.Router.NewSession(cfg.ChargerID),
		log:    cfg.Logger.With("charger", cfg.ChargerID),
		cfg:    cfg,
		send:   make(chan []byte, cfg.SendQueue),
		done:   make(chan struct{}),
		slot:   make(chan struct{}, 1),
	}
}

// ChargerID returns the charger's id.
func (c *Conn) ChargerID() string { return c.id }

// Boot returns the registration status standing on the connection (see
// Session.Boot).
func (c *Conn) Boot() BootDecision { return c.sess.Boot() }

// Done is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Serve reads frames until the socket closes or ctx ends, answering every
// CALL with a CALLRESULT or CALLERROR and handing answers to Call. It
// returns nil when the connection was closed by Close, by ctx or normally
// by the charger, else the read error. Call it once. CALLs are handled one
// at a time on the reading goroutine, in the order they arrive; a Backend
// method must not call Conn.Call on the same connection (it would wait for
// an answer the reader cannot deliver).
func (c *Conn) Serve(ctx context.Context) error {
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writeLoop()
	}()
	stop := context.AfterFunc(ctx, func() { c.Close("server shutting down") })
	defer stop()

	err := c.readLoop(ctx)
	c.shutdown()
	<-writerDone
	return err
}

// Close sends a close frame with reason (cut to 123 bytes) and closes the
// socket. Outstanding and later Calls fail with ErrClosed. It is safe to
// call more than once and from any goroutine.
func (c *Conn) Close(reason string) {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closedBy = reason
		c.mu.Unlock()
		close(c.done)
		wsconn.Close(c.ws, reason)
	})
}

// Reason says why the connection ended, as every chargebooth socket says
// it (wsconn.Reason): the reason given to Close, else the charger's close
// frame, else the read error. Call it after Serve returned.
func (c *Conn) Reason() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return wsconn.Reason(c.closedBy, c.readErr, "charger")
}

// shutdown ends the connection without a close frame.
func (c *Conn) shutdown() {
	c.closeOnce.Do(func() {
		close(c.done)
		_ = c.ws.Close()
	})
}

func (c *Conn) readLoop(ctx context.Context) error {
	alive := func() { _ = c.ws.SetReadDeadline(time.Now().Add(c.cfg.PongWait)) }
	c.ws.SetReadLimit(c.cfg.ReadLimit)
	alive()
	c.ws.SetPongHandler(func(string) error { alive(); return nil })
	c.ws.SetPingHandler(func(data string) error {
		alive()
		err := c.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(c.cfg.WriteWait))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	for {
		typ, data, err := c.ws.ReadMessage()
		if err != nil {
			c.mu.Lock()
			c.readErr = err
			c.mu.Unlock()
			select {
			case <-c.done:
				return nil
			default:
			}
			if websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway) {
				return nil
			}
			if errors.Is(err, websocket.ErrReadLimit) {
				// gorilla has sent close 1009; let it reach the charger
				// instead of resetting the socket under its unread data.
				wsconn.Linger(c.ws)
			}
			return fmt.Errorf("read %s: %w", c.id, err)
		}
		alive()
		if typ != websocket.TextMessage {
			if c.sess.Allow() {
				out, _ := EncodeCallError(UnknownID, CodeFormationViolation, "binary frames are not supported", nil)
				c.enqueue(out)
			}
			continue
		}
		c.handle(ctx, data)
		alive()
	}
}

// handle serves one text frame. Every frame takes from the connection's
// rate: a CALL over it is answered GenericError by the router, anything
// else over it is dropped without a word (and without a log line), except
// the answer to the outstanding server-initiated call.
func (c *Conn) handle(ctx context.Context, data []byte) {
	f, err := ParseFrame(data)
	if err != nil {
		var pe *ProtocolError
		if !errors.As(err, &pe) || !c.sess.Allow() {
			return
		}
		if pe.Type == TypeCallResult || pe.Type == TypeCallError {
			c.log.Warn("ocpp malformed answer dropped", "code", pe.Code, "err", pe.Description)
			return
		}
		c.log.Info("ocpp malformed frame", "code", pe.Code, "err", pe.Description)
		out, _ := EncodeCallError(pe.ID, pe.Code, pe.Description, nil)
		c.enqueue(out)
		return
	}
	switch f.Type {
	case TypeCall:
		hctx, cancel := context.WithTimeout(ctx, c.cfg.HandlerTimeout)
		out := c.router.HandleFrame(hctx, c.sess, f)
		cancel()
		if c.enqueue(out) && f.Action == actionBoot && c.cfg.Booted != nil && c.sess.Boot() == BootAccepted {
			c.afterBoot(ctx)
		}
	case TypeCallResult, TypeCallError:
		c.deliver(f, c.sess.Allow())
	}
}

// afterBoot runs cfg.Booted on its own goroutine with a context that ends
// with the connection (or ctx).
func (c *Conn) afterBoot(ctx context.Context) {
	bctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-c.done:
			cancel()
		case <-bctx.Done():
		}
	}()
	go func() {
		defer cancel()
		c.cfg.Booted(bctx, c)
	}()
}

// enqueue hands a frame to the writer, waiting while the queue is full
// (the writer's deadlines bound the wait) or until the connection ends.
func (c *Conn) enqueue(b []byte) bool {
	select {
	case c.send <- b:
		return true
	case <-c.done:
		return false
	}
}

func (c *Conn) writeLoop() {
	ping := time.NewTicker(c.cfg.PingInterval)
	defer ping.Stop()
	for {
		select {
		case b := <-c.send:
			_ = c.ws.SetWriteDeadline(time.Now().Add(c.cfg.WriteWait))
			if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
				c.log.Debug("ocpp write", "err", err)
				c.shutdown()
				return
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.cfg.WriteWait)); err != nil {
				c.log.Debug("ocpp ping", "err", err)
				c.shutdown()
				return
			}
		case <-c.done:
			return
		}
	}
}
