package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore/estest"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/gorilla/websocket"
)

// ack is a subscribe answer with the recovery fields.
type ack struct {
	Type      string  `json:"type"`
	ChargerID string  `json:"chargerId"`
	Since     *uint64 `json:"since"`
	Recovered *bool   `json:"recovered"`
	Oldest    uint64  `json:"oldest"`
}

// marker is the message ending a backlog.
type marker struct {
	Type      string `json:"type"`
	Since     uint64 `json:"since"`
	Recovered bool   `json:"recovered"`
	Oldest    uint64 `json:"oldest"`
	From      uint64 `json:"from"`
	To        uint64 `json:"to"`
	Count     int    `json:"count"`
}

// frame is one message read raw, with its seq.
type frame struct {
	seq uint64
	typ string
	raw []byte
}

func readFrame(tb testing.TB, c *websocket.Conn) frame {
	tb.Helper()
	b := readRaw(tb, c, 10*time.Second)
	m := decodeLive(tb, b)
	return frame{seq: m.Seq, typ: m.Type, raw: b}
}

// subscribeSince subscribes with since and returns the answer.
func subscribeSince(tb testing.TB, c *websocket.Conn, chargerID string, since uint64) ack {
	tb.Helper()
	send(tb, c, fmt.Sprintf(`{"action":"subscribe","chargerId":%q,"since":%d}`, chargerID, since))
	f := readFrame(tb, c)
	var a ack
	if err := json.Unmarshal(f.raw, &a); err != nil || a.Type != "subscribed" || a.ChargerID != chargerID || a.Since == nil || *a.Since != since || a.Recovered == nil {
		tb.Fatalf("subscribe since %d: got %s, want subscribed with since and recovered", since, f.raw)
	}
	return a
}

// readThrough reads until a marker was read and the position reached to;
// it returns the event frames and the marker.
func readThrough(tb testing.TB, c *websocket.Conn, to uint64) ([]frame, marker) {
	tb.Helper()
	var (
		events []frame
		mk     *marker
		top    uint64
	)
	for mk == nil || top < to {
		f := readFrame(tb, c)
		switch {
		case f.typ == "recovery":
			if mk != nil {
				tb.Fatalf("a second marker: %s", f.raw)
			}
			mk = new(marker)
			if err := json.Unmarshal(f.raw, mk); err != nil {
				tb.Fatal(err)
			}
			top = max(top, mk.To)
		case f.seq == 0:
			tb.Fatalf("a message without seq: %s", f.raw)
		default:
			events = append(events, f)
			top = max(top, f.seq)
		}
	}
	return events, *mk
}

// checkSpan fails unless events are exactly the positions from…to, once
// each, in order.
func checkSpan(tb testing.TB, what string, events []frame, from, to uint64) {
	tb.Helper()
	want := from
	for _, f := range events {
		if f.seq != want {
			tb.Fatalf("%s: got seq %d, want %d (positions %d…%d expected once each, in order)", what, f.seq, want, from, to)
		}
		want++
	}
	if want != to+1 {
		tb.Fatalf("%s: ended at %d, want %d", what, want-1, to)
	}
}

// TestLiveResumeUnderLoad: a client subscribed to "*" is cut off while
// 2,000 readings flow on 50 chargers and reconnects with its last seq: it
// gets every event it missed once, in stream order, then live ones, none
// twice, and each message is byte for byte what a client that stayed got.
func TestLiveResumeUnderLoad(t *testing.T) {
	e := newEnv(t)
	witness := e.mustDial()
	subscribe(t, witness, "*")
	cut := e.mustDial()
	subscribe(t, cut, "*")

	const chargers, per = 50, 40
	var writers sync.WaitGroup
	for c := range chargers {
		writers.Go(func() {
			for i := range per {
				// A store briefly unavailable on a loaded machine is tried again.
				if err := testkit.Poll(10*time.Second, 20*time.Millisecond, func() error {
					_, err := e.svc.ReportSoC(context.Background(), "c"+strconv.Itoa(c), domain.Reading{SoC: float64(i)})
					if err != nil && !errors.Is(err, domain.ErrUnavailable) {
						t.Errorf("reading: %v", err)
						return nil
					}
					return err
				}); err != nil {
					t.Errorf("reading: %v", err)
					return
				}
			}
		})
	}
	var last uint64
	for range 300 {
		if f := readFrame(t, cut); f.seq != 0 {
			last = f.seq
		}
	}
	_ = cut.UnderlyingConn().Close() // cut: no close frame
	// Events flow on while it is away.
	testkit.CheckFor(t, 20*time.Second, func() error {
		if e.board.Applied() < last+500 {
			return errNotYet
		}
		return nil
	})
	back := e.mustDial()
	if a := subscribeSince(t, back, "*", last); !*a.Recovered || a.Oldest != 0 {
		t.Errorf("answer: got %+v, want recovered", a)
	}
	writers.Wait()
	e.caughtUp()
	end, err := e.store.LastSequence(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got, mk := readThrough(t, back, end)
	checkSpan(t, "resumed", got, last+1, end)
	if !mk.Recovered || mk.Since != last || mk.From != last+1 || mk.To < last {
		t.Errorf("marker: got %+v, want recovered from %d", mk, last+1)
	}
	// Live after the backlog: the next event, once.
	e.reading("c1", 99)
	if f := readFrame(t, back); f.seq != end+1 {
		t.Errorf("live after resuming: got %s, want seq %d", f.raw, end+1)
	}

	// The same bytes as live.
	live := map[uint64][]byte{}
	for len(live) < int(end+1-last) {
		f := readFrame(t, witness)
		if f.seq > last {
			live[f.seq] = f.raw
		}
	}
	for _, f := range got {
		if !bytes.Equal(f.raw, live[f.seq]) {
			t.Fatalf("seq %d: resumed %s, live %s", f.seq, f.raw, live[f.seq])
		}
	}
}

// TestLiveResumeAfterRetention: since older than what the stream still
// holds answers recovered false with the oldest position, then the
// backlog from there, then live.
func TestLiveResumeAfterRetention(t *testing.T) {
	e := newEnv(t)
	for i := range 20 {
		e.reading("c1", float64(i))
	}
	e.caughtUp()
	first, err := e.store.LastSequence(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	oldest := first - 4 // keep the last five
	estest.DropBefore(t, e.nc, e.store, oldest)

	c := e.mustDial()
	a := subscribeSince(t, c, "c1", 2)
	if *a.Recovered || a.Oldest != oldest {
		t.Fatalf("answer: got %+v, want not recovered, oldest %d", a, oldest)
	}
	got, mk := readThrough(t, c, first)
	checkSpan(t, "backlog", got, oldest, first)
	if mk.Recovered || mk.Oldest != oldest || mk.From != oldest || mk.To != first || mk.Count != 5 {
		t.Errorf("marker: got %+v, want not recovered, %d…%d, 5 messages", mk, oldest, first)
	}
	e.reading("c1", 50)
	if f := readFrame(t, c); f.seq != first+1 {
		t.Errorf("live: got %s, want seq %d", f.raw, first+1)
	}
}

func TestLiveSubscribeRefusals(t *testing.T) {
	e := newEnv(t)
	c := e.mustDial()
	wantLiveRefusals(t, c, []liveRefusal{
		{"negative since", `{"action":"subscribe","chargerId":"*","since":-1}`, "invalid_input"},
		{"fractional since", `{"action":"subscribe","chargerId":"*","since":1.5}`, "invalid_input"},
		{"string since", `{"action":"subscribe","chargerId":"*","since":"3"}`, "invalid_input"},
		{"bad sinceTime", `{"action":"subscribe","chargerId":"*","sinceTime":"yesterday"}`, "invalid_input"},
		{"both", `{"action":"subscribe","chargerId":"*","since":1,"sinceTime":"2026-07-04T20:00:00Z"}`, "invalid_input"},
		{"since on unsubscribe", `{"action":"unsubscribe","chargerId":"*","since":1}`, "invalid_input"},
		{"id and ids", `{"action":"subscribe","chargerId":"c1","chargerIds":["c2"]}`, "invalid_input"},
		{"empty ids", `{"action":"subscribe","chargerIds":[]}`, "invalid_input"},
		{"bad id in ids", `{"action":"subscribe","chargerIds":["c1","c 2"]}`, "invalid_id"},
	})
	// chargerIds subscribes to several at once.
	send(t, c, `{"action":"subscribe","chargerIds":["c1","c2"]}`)
	if m := read(t, c); m.Type != "subscribed" {
		t.Fatalf("chargerIds: got %+v", m)
	}
	e.reading("c3", 10)
	e.reading("c2", 10)
	if m := readUntil(t, c, func(m liveMsg) bool { return m.Type == domain.TypeSoCReported }); m[len(m)-1].ChargerID != "c2" {
		t.Errorf("after chargerIds c1, c2: got %+v", m)
	}
}

type errorDetailMsg struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// TestLiveResubscribeSince: a subscribe with since on a socket already
// subscribed restarts its feed at since for every charger it has, these
// and the new ones, in stream order; the socket stays.
func TestLiveResubscribeSince(t *testing.T) {
	e := newEnv(t)
	e.reading("c1", 10)
	e.reading("c2", 10)
	e.reading("c3", 10)
	e.caughtUp()
	end, err := e.store.LastSequence(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := e.mustDial()
	subscribe(t, c, "c1")
	for range 2 { // twice: the second replaces a recovery
		if a := subscribeSince(t, c, "c2", 0); !*a.Recovered {
			t.Fatalf("answer: got %+v, want recovered", a)
		}
		got, mk := readThrough(t, c, end)
		for _, f := range got {
			var m liveMsg
			if err := json.Unmarshal(f.raw, &m); err != nil {
				t.Fatal(err)
			}
			if m.ChargerID != "c1" && m.ChargerID != "c2" {
				t.Errorf("backlog of c1, c2: got %s", f.raw)
			}
		}
		if mk.From != 1 || mk.To != end || mk.Count != len(got) || len(got) == 0 {
			t.Errorf("marker: got %+v after %d events, want 1…%d", mk, len(got), end)
		}
	}
	e.reading("c3", 20)
	e.reading("c1", 20)
	if f := readFrame(t, c); f.seq != end+2 { // c1's reading, after c3's
		t.Errorf("live after resubscribing: got %s, want c1's reading at %d", f.raw, end+2)
	}
}
