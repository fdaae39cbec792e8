package socketio

import (
	"strconv"
	"time"

	"github.com/chargebooth/chargebooth/adapters/livefeed"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// statusMessage is the status event that follows every reading: the LED
// status the charger's widget shows.
type statusMessage struct {
	ChargerID string        `json:"chargerId"`
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

// reminderOf is the eventReminder of a fired notice.
func (s *Server) reminderOf(id, text string) reminder {
	r := reminder{Name: text, ID: id}
	if n, ok := s.cfg.Board.Notice(id); ok {
		r.Time = n.At.UTC().Format(isoMillis)
	}
	return r
}

// open runs when a socket has passed the handshake: it starts the
// socket's Sub — from its offset when socket.io-client reconnects with one
// (its private id and the last sequence it saw), with what it had
// subscribed to when the id is known here.
func (s *Server) open(so *socket.Socket) {
	cred, _ := so.Data().(*credentials)
	if cred == nil {
		so.Disconnect(true)
		return
	}
	c := newConn(s, so, cred)
	cred.conn = c
	auth := so.Handshake().Auth
	pid, _ := auth["pid"].(string)
	offset, _ := auth["offset"].(string)
	after, resume := parseOffset(offset)

	s.mu.Lock()
	if lost, ok := s.takeLost(pid); ok {
		c.all, c.subs = lost.all, lost.subs
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()

	_ = so.On("disconnect", func(args ...any) {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.close()
		s.log.Debug("socket.io client gone", "remote", cred.remote, "reason", args)
	})
	_ = so.On("subscribe", func(args ...any) { s.subscribe(c, args, true) })
	_ = so.On("unsubscribe", func(args ...any) { s.subscribe(c, args, false) })
	s.commands(c)
	var since *uint64
	if resume {
		since = &after
	}
	if _, err := c.resubscribe(since, nil); err != nil {
		s.log.Warn("socket.io live feed", "err", err)
		_ = so.Emit("feedClosed", map[string]any{"code": domain.ErrorCode(err), "message": domain.ErrorMessage(err), "seq": after})
	}
	s.log.Debug("socket.io client connected", "remote", cred.remote, "actor", cred.actor.ID, "resume", resume)
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

// takeLost removes and returns the subscription a socket with private id
// pid left behind, unless it is older than lostSessionTTL (a reconnect
// after that starts afresh, as docs/socketio.md says). s.mu is held.
func (s *Server) takeLost(pid string) (lostSession, bool) {
	lost, ok := s.lost[pid]
	if !ok || pid == "" {
		return lostSession{}, false
	}
	delete(s.lost, pid)
	return lost, s.now().Sub(lost.at) <= lostSessionTTL
}

// subscribedWith is how many chargers a socket subscribed to subs has once
// it also subscribes to ids (one it has already counts once).
func subscribedWith(subs map[string]bool, ids []string) int {
	n := len(subs)
	seen := map[string]bool{}
	for _, id := range ids {
		if !subs[id] && !seen[id] {
			seen[id] = true
			n++
		}
	}
	return n
}

// parseOffset reads a recovery offset: a stream sequence in decimal.
func parseOffset(s string) (uint64, bool) {
	if s == "" || len(s) > 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

// subscribe handles subscribe and unsubscribe: {chargers: ["c1", …] | "*"}
// or {chargerId: "c1"}, optionally with since (a sequence) or sinceTime,
// answered {ok: true, all, chargers, seq} — with since also {since,
// recovered, oldest} — or {ok: false, error}. With since the socket's
// whole subscription restarts from there: first what the stream holds
// after it, then a recovery event, then live.
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
	ids := req.chargers
	if req.all {
		ids = append(ids, livefeed.All)
	}
	if on && !c.all && subscribedWith(c.subs, req.chargers) > maxSubs {
		c.mu.Unlock()
		reply(ack, failure(domain.Errorf(domain.CodeInvalidInput, "at most %d chargers per socket; subscribe to \"*\" instead", maxSubs)))
		return
	}
	switch {
	case on:
		c.all = c.all || req.all
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
	all, subs, sub := c.all, sortStrings(keys(c.subs)), c.sub
	c.mu.Unlock()

	resume := on && (req.since != nil || req.sinceTime != nil)
	answer := map[string]any{"ok": true, "all": all, "chargers": subs}
	switch {
	case resume:
		ns, err := c.resubscribe(req.since, req.sinceTime)
		if err != nil {
			reply(ack, failure(err))
			return
		}
		r := ns.Recovery()
		answer["since"], answer["recovered"] = r.Since, r.Recovered
		if !r.Recovered {
			answer["oldest"] = r.Oldest
		}
	case sub == nil:
		if _, err := c.resubscribe(nil, nil); err != nil {
			reply(ack, failure(err))
			return
		}
	case on:
		if err := sub.Add(ids...); err != nil {
			reply(ack, failure(err))
			return
		}
		answer["seq"] = sub.Last()
	default:
		sub.Remove(ids...)
		answer["seq"] = sub.Last()
	}
	reply(ack, answer)
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
