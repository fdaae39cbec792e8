package socketio

import (
	"context"
	"sort"
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

// recoverFrom sends a reconnected socket what it missed after its offset,
// then what was held while reading it.
func (s *Server) recoverFrom(ctx context.Context, c *conn, after uint64) {
	defer c.release()
	c.mu.Lock()
	all, subs := c.all, make([]string, 0, len(c.subs))
	for id := range c.subs {
		subs = append(subs, id)
	}
	c.mu.Unlock()
	s.replay(ctx, c, all, subs, after, time.Time{}, true)
}

// replay queues, in stream order, the events after seq (and from since) that a socket
// subscribed to all (or to chargers) is sent, read from the store: each
// charger's own subject, the widgets paired with them and, with
// broadcasts, the notices and pairings. The caller holds live messages
// around it (hold, release).
func (s *Server) replay(ctx context.Context, c *conn, all bool, chargers []string, after uint64, since time.Time, broadcasts bool) {
	if s.cfg.Store == nil {
		return
	}
	if all {
		chargers = chargers[:0]
		for _, ch := range s.cfg.Board.Chargers(s.now()) {
			chargers = append(chargers, ch.ChargerID)
		}
	}
	var keys []domain.StreamKey
	wanted := map[string]bool{}
	for _, id := range chargers {
		wanted[id] = true
		keys = append(keys, domain.ChargerKey(id))
		if w := s.cfg.Board.WidgetOf(id); w != "" {
			keys = append(keys, domain.StreamKey{Kind: domain.KindWidget, ID: w})
		}
	}
	if broadcasts {
		keys = append(keys, domain.NoticesKey, domain.PairingsKey)
	}
	var events []domain.Event
	for _, k := range keys {
		es, err := s.cfg.Store.Load(ctx, k, after)
		if err != nil {
			s.log.Warn("socket.io replay", "key", k, "err", err)
			c.stop("the stream could not be read to resume; reconnect")
			return
		}
		for _, e := range es {
			if e.Seq > after && !e.Time.Before(since) && (broadcast(e.Type) || all || wanted[e.ChargerID]) {
				events = append(events, e)
			}
		}
	}
	sort.Slice(events, func(i, j int) bool { return events[i].Seq < events[j].Seq })
	for _, e := range events {
		c.replayedMessage(s.messages(e, s.cfg.Board.WidgetOf(e.ChargerID)))
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
	// A resume holds live messages from before the charger is added, so
	// none of it slips out ahead of the replay.
	resume := on && (req.since > 0 || !req.sinceTime.IsZero())
	if resume {
		c.hold()
	}
	c.mu.Lock()
	switch {
	case on && req.all:
		c.all = true
	case on:
		if len(c.subs)+len(req.chargers) > maxSubs {
			c.mu.Unlock()
			if resume {
				c.release()
			}
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
	if !resume {
		reply(ack, map[string]any{"ok": true, "all": all, "chargers": sortStrings(subs), "seq": last})
		return
	}
	// What the stream holds after since comes first, then live: held
	// while it is read, without duplicates.
	reply(ack, map[string]any{"ok": true, "all": all, "chargers": sortStrings(subs), "seq": last, "since": req.since})
	go func() {
		defer c.release()
		ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
		defer cancel()
		s.replay(ctx, c, req.all, req.chargers, req.since, req.sinceTime, false)
	}()
}
