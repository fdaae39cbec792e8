package socketio

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// Kind names the Socket.IO event an event type is pushed as.
func Kind(typ string) string {
	switch typ {
	case domain.TypeSoCReported:
		return "reading"
	case domain.TypeConnectorStatus:
		return "connector"
	case domain.TypeChargerConnected, domain.TypeChargerDisconnected, domain.TypeChargerBooted,
		domain.TypeWidgetConnected, domain.TypeWidgetDisconnected:
		return "presence"
	case domain.TypeDeviceEnrolled, domain.TypeDeviceUnenrolled, domain.TypeChargerRetired:
		return "device"
	}
	for _, p := range []string{"session", "notice", "pairing"} {
		if strings.HasPrefix(typ, p+".") {
			return p
		}
	}
	return "event"
}

// broadcast reports whether an event goes to every socket whatever it
// subscribed to (as on the WebSocket feed).
func broadcast(typ string) bool {
	return strings.HasPrefix(typ, "notice.") || strings.HasPrefix(typ, "pairing.")
}

// statusMessage is the status event that follows every reading: the LED
// status the charger's widget shows.
type statusMessage struct {
	ChargerID string        `json:"chargerId"`
	WidgetID  string        `json:"widgetId,omitempty"`
	SessionID string        `json:"sessionId,omitempty"`
	Status    domain.Status `json:"status"`
	SoC       float64       `json:"soc"`
	Time      time.Time     `json:"time"`
	Seq       uint64        `json:"seq"`
}

// reminder is the eventReminder payload of the reminder protocol.
type reminder struct {
	Name string `json:"name"`
	Time string `json:"time"`
	ID   string `json:"_id"`
}

// isoMillis is the reminder protocol's UTC time: 2026-07-04T21:00:00.000Z.
const isoMillis = "2006-01-02T15:04:05.000Z"

// messages turns an event into what a socket is sent for it.
func (s *Server) messages(e domain.Event, widgetID string) message {
	m := message{name: Kind(e.Type), payload: e, seq: e.Seq}
	switch d := e.Data.(type) {
	case domain.SoCReported:
		m.also = []message{{name: "status", seq: e.Seq, payload: statusMessage{ChargerID: e.ChargerID, WidgetID: widgetID,
			SessionID: e.SessionID, Status: domain.StatusFor(d.SoC), SoC: d.SoC, Time: e.Time, Seq: e.Seq}}}
	case domain.NoticeFired:
		id, text := d.NoticeID, d.Text
		m.also = []message{{name: "eventReminder", seq: e.Seq, lazy: &lazyPayload{f: func() (any, bool) {
			return s.reminderOf(id, text), true
		}}}}
	}
	return m
}

// reminderOf is the eventReminder of a fired notice.
func (s *Server) reminderOf(id, text string) reminder {
	r := reminder{Name: text, ID: id}
	for _, n := range s.cfg.Board.Notices() {
		if n.NoticeID == id {
			r.Time = n.At.UTC().Format(isoMillis)
			break
		}
	}
	return r
}

// publish is the board listener: it runs under the board's lock, so it
// only enqueues.
func (s *Server) publish(u projections.Update) {
	e := u.Event
	if u.Unknown {
		return
	}
	all := broadcast(e.Type)
	if e.Type == domain.TypeNoticeFired && s.now().Sub(e.Time) > freshReminder {
		return // a catch-up fold of an old firing, not news
	}
	var m *message
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if !all && !c.wants(e.ChargerID) {
			continue
		}
		if m == nil {
			mm := s.messages(e, u.WidgetID)
			m = &mm
		}
		c.push(*m)
	}
}

// open runs when a socket has passed the handshake.
func (s *Server) open(so *socket.Socket) {
	cred, _ := so.Data().(*credentials)
	if cred == nil {
		so.Disconnect(true)
		return
	}
	c := newConn(so, cred, "")
	cred.conn = c
	auth := so.Handshake().Auth
	pid, _ := auth["pid"].(string)
	offset, _ := auth["offset"].(string)
	after, offsetOK := parseOffset(offset)

	s.mu.Lock()
	if lost, ok := s.lost[pid]; ok && pid != "" {
		delete(s.lost, pid)
		c.all, c.subs = lost.all, lost.subs
	}
	if offsetOK {
		c.hold()
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()

	ctx, cancel := context.WithCancel(context.Background())
	go c.write(ctx)
	_ = so.On("disconnect", func(args ...any) {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.stop("")
		cancel()
		s.log.Debug("socket.io client gone", "remote", cred.remote, "reason", args)
	})
	_ = so.On("subscribe", func(args ...any) { s.subscribe(c, args, true) })
	_ = so.On("unsubscribe", func(args ...any) { s.subscribe(c, args, false) })
	s.commands(c)
	s.log.Debug("socket.io client connected", "remote", cred.remote, "actor", cred.actor.ID, "resume", offsetOK)
	if offsetOK {
		go s.recoverFrom(ctx, c, after)
	}
}

// persist keeps what a socket that went away subscribed to, for its
// reconnect (the library calls it, through the adapter, with the socket's
// private id).
func (s *Server) persist(pid string, data any) {
	cred, _ := data.(*credentials)
	if cred == nil || cred.conn == nil || pid == "" {
		return
	}
	c := cred.conn
	c.mu.Lock()
	l := lostSession{all: c.all, subs: c.subs, at: s.now()}
	c.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.lost {
		if s.now().Sub(v.at) > lostSessionTTL {
			delete(s.lost, k)
		}
	}
	s.lost[pid] = l
}

// parseOffset reads a recovery offset: a stream sequence in decimal.
func parseOffset(s string) (uint64, bool) {
	if s == "" || len(s) > 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

// recoverFrom sends a reconnected socket what it missed after its offset:
// the notices (reminders included) from the stream, then what was held
// while reading them.
func (s *Server) recoverFrom(ctx context.Context, c *conn, after uint64) {
	defer c.release()
	if s.cfg.Store == nil {
		return
	}
	events, err := s.cfg.Store.Load(ctx, domain.NoticesKey, after)
	if err != nil {
		s.log.Warn("socket.io recovery: notices", "err", err)
		return
	}
	for _, e := range events {
		if e.Seq > after {
			c.enqueue(s.messages(e, ""))
		}
	}
}

// subscribe handles subscribe and unsubscribe: {chargers: ["c1", …] | "*"}
// or {chargerId: "c1"}, answered {ok: true, chargers: […], all} or
// {ok: false, error}.
func (s *Server) subscribe(c *conn, args []any, on bool) {
	ack, args := splitAck(args)
	var arg any
	if len(args) > 0 {
		arg = args[0]
	}
	req, err := parseSubscribe(arg)
	if err != nil {
		reply(ack, failure(err))
		return
	}
	c.mu.Lock()
	switch {
	case on && req.all:
		c.all = true
	case on:
		if len(c.subs)+len(req.chargers) > maxSubs {
			c.mu.Unlock()
			reply(ack, failure(domain.Errorf(domain.CodeInvalidInput, "at most %d chargers per socket; subscribe to \"*\" instead", maxSubs)))
			return
		}
		for _, id := range req.chargers {
			c.subs[id] = true
		}
	case req.all:
		c.all, c.subs = false, map[string]bool{}
	default:
		for _, id := range req.chargers {
			delete(c.subs, id)
		}
	}
	subs := make([]string, 0, len(c.subs))
	for id := range c.subs {
		subs = append(subs, id)
	}
	all, last := c.all, c.lastSeq
	c.mu.Unlock()
	reply(ack, map[string]any{"ok": true, "all": all, "chargers": sortStrings(subs), "seq": last})
}
