package main

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// liveFrame is what the resume tests read of a live-feed message.
type liveFrame struct {
	Type      string  `json:"type"`
	ChargerID string  `json:"chargerId"`
	Seq       uint64  `json:"seq"`
	Since     *uint64 `json:"since"`
	Recovered *bool   `json:"recovered"`
	Oldest    uint64  `json:"oldest"`
	From      uint64  `json:"from"`
	To        uint64  `json:"to"`
	raw       []byte
}

func (c *wsClient) liveFrame(timeout time.Duration) liveFrame {
	c.tb.Helper()
	b := c.next(timeout)
	var f liveFrame
	if err := json.Unmarshal(b, &f); err != nil {
		c.tb.Fatalf("live message %s: %v", b, err)
	}
	f.raw = b
	return f
}

// readingFlow is 50 chargers sending readings with ids over the simple
// JSON protocol, each waiting for its acknowledgements.
type readingFlow struct {
	acked atomic.Int64
}

// run sends readings from…to-1 from each charger to the server at addr
// and returns when every charger got its acks or lost its socket.
func (f *readingFlow) run(addr string, chargers, from, to int) {
	var wg sync.WaitGroup
	for c := range chargers {
		wg.Go(func() {
			ws, _, err := websocket.DefaultDialer.Dial(fmt.Sprintf("ws://%s/chargers/c%d", addr, c), nil)
			if err != nil {
				return
			}
			defer ws.Close()
			for i := from; i < to; i++ {
				msg := fmt.Sprintf(`{"event":"StateOfCharge","id":"r-%d","data":{"soc":%d}}`, i, i%101)
				if ws.WriteMessage(websocket.TextMessage, []byte(msg)) != nil {
					return
				}
			}
			_ = ws.SetReadDeadline(time.Now().Add(20 * time.Second))
			for n := from; n < to; {
				var fr frame
				if ws.ReadJSON(&fr) != nil {
					return
				}
				if fr.Event == "Ack" {
					n++
					f.acked.Add(1)
				}
			}
		})
	}
	wg.Wait()
}

// TestLiveResumeAcrossKill9: a client subscribed to "*" is cut off while
// readings flow on 50 chargers; the server is killed with SIGKILL in the
// middle of more readings and started again; the client reconnects with
// its last seq while the chargers send the rest: it gets every event it
// missed once, in stream order, then the live ones, none twice.
func TestLiveResumeAcrossKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a server process")
	}
	const chargers = 50
	dir := t.TempDir()
	p := startProc(t, dir)
	live := dial(t, "ws://"+p.http+"/api/live?token="+testToken, nil)
	live.send(`{"action":"subscribe","chargerId":"*"}`)
	if f := live.liveFrame(5 * time.Second); f.Type != "subscribed" {
		t.Fatalf("subscribe: got %s", f.raw)
	}

	flow := &readingFlow{}
	first := make(chan struct{})
	go func() {
		defer close(first)
		flow.run(p.charger, chargers, 0, 16)
	}()
	var last uint64
	for n := 0; n < 300; {
		if f := live.liveFrame(10 * time.Second); f.Seq != 0 {
			last, n = f.Seq, n+1
		}
	}
	_ = live.ws.UnderlyingConn().Close() // cut off, no close frame
	<-first

	// More readings, and the server killed in their middle.
	killed := make(chan struct{})
	before := flow.acked.Load()
	go func() {
		defer close(killed)
		flow.run(p.charger, chargers, 16, 28)
	}()
	checkFor(t, 20*time.Second, func() bool { return flow.acked.Load() >= before+150 })
	p.kill9(t)
	<-killed

	p = startProc(t, dir)
	back := dial(t, "ws://"+p.http+"/api/live?token="+testToken, nil)
	back.send(fmt.Sprintf(`{"action":"subscribe","chargerId":"*","since":%d}`, last))
	if f := back.liveFrame(10 * time.Second); f.Type != "subscribed" || f.Since == nil || *f.Since != last || f.Recovered == nil || !*f.Recovered {
		t.Fatalf("resume: got %s, want subscribed, since %d, recovered", f.raw, last)
	}
	// The rest flows while the backlog is read.
	rest := make(chan struct{})
	go func() {
		defer close(rest)
		flow.run(p.charger, chargers, 28, 40)
	}()
	<-rest
	// A last reading marks the end: everything before it comes first.
	end := &readingFlow{}
	end.run(p.charger, 1, 1000, 1001)
	if end.acked.Load() != 1 {
		t.Fatal("the end reading was not acknowledged")
	}

	want, markers := last+1, 0
	for {
		f := back.liveFrame(20 * time.Second)
		if f.Type == "recovery" {
			markers++
			if f.Recovered == nil || !*f.Recovered || f.From != last+1 {
				t.Errorf("marker: got %s, want recovered from %d", f.raw, last+1)
			}
			continue
		}
		if f.Seq != want {
			t.Fatalf("got seq %d (%s), want %d: each missed event once, in order", f.Seq, f.raw, want)
		}
		want++
		if f.Type == "charger.soc_reported" && f.ChargerID == "c0" && isEnd(f.raw) {
			break
		}
	}
	if markers != 1 {
		t.Errorf("got %d recovery markers, want 1", markers)
	}
	// What comes after (the end charger going) goes on in order: nothing
	// twice.
	for {
		select {
		case b, ok := <-back.frames:
			if !ok {
				t.Fatal("live feed closed")
			}
			var f liveFrame
			if err := json.Unmarshal(b, &f); err != nil || f.Seq != want {
				t.Fatalf("after the end: got %s, want seq %d", b, want)
			}
			want++
			continue
		case <-time.After(300 * time.Millisecond):
		}
		break
	}
	t.Logf("resumed after %d: %d events, across a SIGKILL", last, want-1-last)
}

// isEnd reports whether a reading is the end mark (readingId r-1000).
func isEnd(raw []byte) bool {
	var m struct {
		Data struct {
			ReadingID string `json:"readingId"`
		} `json:"data"`
	}
	return json.Unmarshal(raw, &m) == nil && m.Data.ReadingID == "r-1000"
}
