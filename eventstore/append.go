package eventstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Append stores events on the aggregate's subject, one after the other,
// each waiting for its acknowledgement (JetStream persisted it).
//
// Unless expected is domain.AnyVersion, the first event carries
// Nats-Expected-Last-Subject-Sequence: expected (0: the subject has no
// message yet) and each further event expects its predecessor's sequence,
// so the events land together or the append stops with domain.ErrConflict.
// An event re-sent with the version it was first sent with meets that
// conflict; it is found among the events that moved the aggregate on and
// reported Duplicate with its original sequence, however long ago it was
// stored. Such events carry no Nats-Msg-Id: JetStream would keep every id
// for the duplicate window (a million at 8,000 readings/s for two minutes)
// for nothing, and the garbage collector would mark them all.
//
// With AnyVersion no event is checked, and each carries its ID as
// Nats-Msg-Id instead: one already stored within the duplicate window is
// reported Duplicate with its original sequence and not stored again.
//
// On an error, events before the failing one may be stored; the caller
// re-reads the aggregate. A disconnected store, or one whose stream has no
// leader (as the store's probe found, see Ready), fails at once with an
// error wrapping domain.ErrUnavailable rather than queueing the events or
// waiting out ctx. A write refused for lack of space (the server's storage
// limit or its disk) returns an error wrapping domain.ErrFull.
//
// Each publish attempt is bounded by Config.PublishTimeout; one that got
// no answer (lost in a leader election, say) is sent once more while ctx
// allows. That re-send is safe: a checked event carries the same expected
// version, so if the first attempt was stored the re-send meets a conflict
// and is found by storedAfter and reported Duplicate; an unchecked one
// carries the same Nats-Msg-Id and is de-duplicated by JetStream.
func (s *Store) Append(ctx context.Context, key domain.StreamKey, expected uint64, events []domain.Event) ([]domain.Appended, error) {
	if err := checkKey(key); err != nil {
		return nil, fmt.Errorf("append: %w", err)
	}
	subj := s.Subject(key)
	out := make([]domain.Appended, len(events))
	for i := range events {
		if err := s.connected("append " + subj); err != nil {
			return nil, err
		}
		if err := s.failFast(""); err != nil {
			return nil, s.failFast(fmt.Sprintf("append %s %s", events[i].Type, subj)) // named only when refused
		}
		msg, err := s.message(subj, events[i], expected)
		if err != nil {
			return nil, err
		}
		ack, resent, err := s.publish(ctx, &msg.Msg)
		msg.release()
		if isConflict(err) {
			// The expected-sequence check runs before de-duplication on a
			// single server: a re-sent event meets a conflict, not its
			// duplicate ack. Look for it among what moved the aggregate on.
			seq, found, lerr := s.storedAfter(ctx, key, expected, events[i].ID)
			if lerr == nil && found {
				out[i] = domain.Appended{Seq: seq, Duplicate: true}
				expected = seq
				continue
			}
			if h := s.health.Load(); h != nil && h.err != nil && errors.Is(h.err, domain.ErrUnavailable) {
				// The probe finds the stream without a (quorate) leader:
				// a conflict from a leader that lost its quorum counts
				// uncommitted writes, so it is no verdict on the
				// aggregate. Not stored; try later.
				return nil, unavailable(fmt.Sprintf("append %s %s", events[i].Type, subj),
					fmt.Errorf("a version conflict while the store is not ready is no verdict: %w", h.err))
			}
			if resent {
				// Our own unanswered first attempt may be what moved the
				// aggregate on: a leader that lost its quorum holds it
				// uncommitted, so the version check counts it while reads
				// do not show it yet. The outcome is unknown, which is
				// "not stored, try later", not a conflict to decide again.
				if lerr == nil {
					lerr = errors.New("it is not among the aggregate's events yet")
				}
				return nil, unavailable(fmt.Sprintf("append %s %s", events[i].Type, subj),
					fmt.Errorf("a re-sent publish met a conflict and its first attempt cannot be found: %w", lerr))
			}
		}
		if err != nil {
			err = s.classifyAppend(fmt.Sprintf("append %s %s", events[i].Type, subj), err)
			s.noteAppend(err)
			return nil, err
		}
		s.noteAppend(nil)
		if ack.Stream != s.cfg.Stream {
			return nil, fmt.Errorf("append %s: stored in stream %q, want %q", subj, ack.Stream, s.cfg.Stream)
		}
		out[i] = domain.Appended{Seq: ack.Sequence, Duplicate: ack.Duplicate}
		if expected != domain.AnyVersion {
			expected = ack.Sequence
		}
	}
	return out, nil
}

// outMsg is a NATS message Append re-uses: a synchronous publish has
// encoded the message once it returns, and a header map, its value slice
// and the message were ~40 % of the bytes an append allocated; the event's
// JSON is encoded into its buffer.
type outMsg struct {
	nats.Msg
	val  [1]string
	data bytes.Buffer
}

// maxPooledData is the largest event encoding an outMsg keeps for the next.
const maxPooledData = 16 << 10

var outMsgs = sync.Pool{New: func() any { return &outMsg{Msg: nats.Msg{Header: nats.Header{}}} }}

// release returns m to the pool.
func (m *outMsg) release() {
	m.Data, m.val[0] = nil, ""
	if m.data.Cap() > maxPooledData {
		m.data = bytes.Buffer{}
	}
	outMsgs.Put(m)
}

// message builds the NATS message of one event; release it once published.
func (s *Store) message(subj string, e domain.Event, expected uint64) (*outMsg, error) {
	if e.ID == "" {
		return nil, fmt.Errorf("append %s: event has no id", e.Type)
	}
	e.Seq = 0 // the stream assigns it
	m := outMsgs.Get().(*outMsg)
	m.data.Reset()
	if err := e.EncodeJSON(&m.data); err != nil {
		outMsgs.Put(m)
		return nil, fmt.Errorf("append %s: %w", e.Type, err)
	}
	h := m.Header
	clear(h)
	m.Msg = nats.Msg{Subject: subj, Data: m.data.Bytes(), Header: h}
	if expected == domain.AnyVersion {
		m.val[0] = e.ID
		h[jetstream.MsgIDHeader] = m.val[:]
	} else {
		m.val[0] = strconv.FormatUint(expected, 10)
		h[jetstream.ExpectedLastSubjSeqHeader] = m.val[:]
	}
	return m, nil
}

// storedAfter looks for the event id among the aggregate's events after
// seq.
func (s *Store) storedAfter(ctx context.Context, key domain.StreamKey, seq uint64, id string) (uint64, bool, error) {
	evs, err := s.Load(ctx, key, seq)
	if err != nil {
		return 0, false, err
	}
	for _, e := range evs {
		if e.ID == id {
			return e.Seq, true, nil
		}
	}
	return 0, false, nil
}

// publish sends one message, bounding each attempt by PublishTimeout and
// re-sending once an attempt that got no answer (see Append for why a
// re-send stores nothing twice).
// It reports whether the answer is a re-send's.
func (s *Store) publish(ctx context.Context, m *nats.Msg) (jetstream.PubAck, bool, error) {
	for attempt := 0; ; attempt++ {
		ack, err := s.publishOnce(ctx, m)
		if err == nil || attempt > 0 || ctx.Err() != nil || !unanswered(err) || !s.nc.IsConnected() {
			return ack, attempt > 0, err
		}
		if s.failFast("") != nil {
			return jetstream.PubAck{}, false, err
		}
	}
}

// pubAnswer is JetStream's answer to a publish: an acknowledgement or an
// error.
type pubAnswer struct {
	*jetstream.PubAck
	Error *jetstream.APIError `json:"error,omitempty"`
}

// publishOnce is one publish attempt, bounded by PublishTimeout and ctx's
// deadline: what jetstream's PublishMsg does, answers and errors alike,
// through the connection's request with a timeout rather than a context
// (a context per attempt was a timer, a cancelable context registered
// with ctx and a channel: a seventh of what the server allocated per
// reading at 8,000 readings/s). A ctx canceled without a deadline ends
// the attempt only when it times out.
func (s *Store) publishOnce(ctx context.Context, m *nats.Msg) (jetstream.PubAck, error) {
	if err := ctx.Err(); err != nil {
		return jetstream.PubAck{}, err
	}
	timeout := s.cfg.PublishTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	if timeout <= 0 {
		return jetstream.PubAck{}, context.DeadlineExceeded
	}
	resp, err := s.nc.RequestMsg(m, timeout)
	if errors.Is(err, nats.ErrNoResponders) {
		return jetstream.PubAck{}, jetstream.ErrNoStreamResponse
	}
	if err != nil {
		return jetstream.PubAck{}, err
	}
	if seq, ok := plainPubAck(resp.Data, s.cfg.Stream); ok {
		return jetstream.PubAck{Stream: s.cfg.Stream, Sequence: seq}, nil
	}
	var a pubAnswer
	if err := json.Unmarshal(resp.Data, &a); err != nil {
		return jetstream.PubAck{}, jetstream.ErrInvalidJSAck
	}
	if a.Error != nil {
		return jetstream.PubAck{}, fmt.Errorf("nats: %w", a.Error)
	}
	if a.PubAck == nil || a.Stream == "" {
		return jetstream.PubAck{}, jetstream.ErrInvalidJSAck
	}
	return *a.PubAck, nil
}

// plainPubAck reads the answer JetStream gives almost every publish,
// {"stream":"<stream>","seq":<n>} exactly (a new message in the stream
// appended to, no domain), without encoding/json's reflection (it was 4 %
// of the server's CPU per reading) and without allocating (a PubAck and the
// stream's name per reading were 4 % of what the server allocated at 8,000
// readings/s). Anything else (another stream, a duplicate, an error, other
// spacing) reports false and is left to encoding/json.
func plainPubAck(b []byte, stream string) (uint64, bool) {
	const head, mid = `{"stream":"`, `","seq":`
	rest, ok := bytes.CutPrefix(b, []byte(head))
	if !ok {
		return 0, false
	}
	name, rest, ok := bytes.Cut(rest, []byte(mid))
	if !ok || len(name) == 0 || string(name) != stream {
		return 0, false
	}
	digits, ok := bytes.CutSuffix(rest, []byte("}"))
	if !ok || len(digits) == 0 || len(digits) > 20 || digits[0] == '0' {
		return 0, false
	}
	var seq uint64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if seq > (math.MaxUint64-d)/10 {
			return 0, false
		}
		seq = seq*10 + d
	}
	return seq, true
}

// unanswered reports a publish that got no answer in time, or none at all.
func unanswered(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders)
}

// classifyAppend is classify for a failed publish, which a full disk
// leaves unanswered: when the server says it is out of space, an
// unanswered append is reported full rather than unavailable.
func (s *Store) classifyAppend(op string, err error) error {
	err = classify(op, err)
	if s.cfg.Full != nil && errors.Is(err, domain.ErrUnavailable) {
		if ferr := s.cfg.Full(); ferr != nil {
			return full(op, ferr)
		}
	}
	return err
}
