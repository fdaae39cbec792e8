package ocpp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/gorilla/websocket"
)

// scriptedCharger is a charge point on the client end of a socket: it
// answers every server-initiated CALL with what its script says for the
// action and keeps the CALLs it got.
type scriptedCharger struct {
	ws *websocket.Conn

	mu     sync.Mutex
	script map[string]string // action → the CALLRESULT payload, "!code" for a CALLERROR, or "" for silence
	// per, when set for an action, chooses the answer from the request.
	per   map[string]func(payload json.RawMessage) string
	got   []receivedCall
	calls chan receivedCall
}

// receivedCall is one CALL the charger got.
type receivedCall struct {
	ID      string
	Action  string
	Payload json.RawMessage
}

// newScriptedCharger starts answering on ws. An action the script does not
// name is answered NotImplemented, as a real charger would.
func newScriptedCharger(tb testing.TB, ws *websocket.Conn, script map[string]string) *scriptedCharger {
	tb.Helper()
	c := &scriptedCharger{ws: ws, script: script, per: map[string]func(json.RawMessage) string{}, calls: make(chan receivedCall, 64)}
	go c.run()
	return c
}

func (c *scriptedCharger) set(action, answer string) {
	c.mu.Lock()
	c.script[action] = answer
	c.mu.Unlock()
}

func (c *scriptedCharger) run() {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var elems []json.RawMessage
		if json.Unmarshal(data, &elems) != nil || len(elems) != 4 || string(elems[0]) != "2" {
			continue // answers to the charger's own CALLs
		}
		var rc receivedCall
		_ = json.Unmarshal(elems[1], &rc.ID)
		_ = json.Unmarshal(elems[2], &rc.Action)
		rc.Payload = elems[3]
		c.mu.Lock()
		c.got = append(c.got, rc)
		answer, ok := c.script[rc.Action]
		if f := c.per[rc.Action]; f != nil {
			answer, ok = f(rc.Payload), true
		}
		c.mu.Unlock()
		c.calls <- rc
		var frame string
		switch {
		case !ok:
			frame = fmt.Sprintf(`[4,%q,"NotImplemented","no such action here",{}]`, rc.ID)
		case answer == "":
			continue
		case strings.HasPrefix(answer, "!"):
			frame = fmt.Sprintf(`[4,%q,%q,"scripted refusal",{}]`, rc.ID, answer[1:])
		default:
			frame = fmt.Sprintf(`[3,%q,%s]`, rc.ID, answer)
		}
		_ = c.ws.WriteMessage(websocket.TextMessage, []byte(frame))
	}
}

// received returns the CALLs the charger got so far.
func (c *scriptedCharger) received() []receivedCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]receivedCall(nil), c.got...)
}

// journal records what a Conn tells its CallJournal.
type journal struct {
	mu      sync.Mutex
	sent    []ocpp.CallRecord
	done    []ocpp.CallOutcome
	failErr error
}

func (j *journal) CallSent(_ context.Context, rec ocpp.CallRecord) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.failErr != nil {
		return j.failErr
	}
	j.sent = append(j.sent, rec)
	return nil
}

func (j *journal) CallDone(_ context.Context, rec ocpp.CallRecord, out ocpp.CallOutcome) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.done = append(j.done, out)
}

func (j *journal) snapshot() ([]ocpp.CallRecord, []ocpp.CallOutcome) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]ocpp.CallRecord(nil), j.sent...), append([]ocpp.CallOutcome(nil), j.done...)
}

// actionCase is one request of an action test: what the API would send,
// what the scripted charger answers, and what CallRaw must return.
type actionCase struct {
	name    string
	req     string
	answer  string // as scriptedCharger.script
	want    string // the CALLRESULT payload CallRaw returns ("" when it fails)
	wantErr error  // ErrInvalidRequest, ErrInvalidConfirmation, ErrTimeout or nil
	code    ocpp.ErrorCode
}

// testAction runs each case through CallRaw against a scripted charger
// and checks what was sent, what came back and what the journal heard.
func testAction(t *testing.T, action string, cases []actionCase) {
	t.Helper()
	j := &journal{}
	ts := startServer(t, func(cfg *ocpp.ConnConfig) { cfg.Journal = j })
	ws, conn := ts.dial(t, "c1234")
	ch := newScriptedCharger(t, ws, map[string]string{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ch.set(action, tc.answer)
			before := len(ch.received())
			sentBefore, _ := j.snapshot()
			timeout := 5 * time.Second
			if errors.Is(tc.wantErr, ocpp.ErrTimeout) {
				timeout = 150 * time.Millisecond
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			got, err := conn.CallRaw(ctx, action, json.RawMessage(tc.req))
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %s, %v; want %v", got, err, tc.wantErr)
				}
			case tc.code != "":
				wantCode(t, err, tc.code)
			case err != nil:
				t.Fatalf("got %v, want %s", err, tc.want)
			case !jsonEqual(got, tc.want):
				t.Fatalf("got %s, want %s", got, tc.want)
			}
			if tc.code != "" && tc.wantErr == nil {
				var ce *ocpp.CallError
				if errors.As(err, &ce) && (errors.Is(err, ocpp.ErrInvalidRequest) || errors.Is(err, ocpp.ErrInvalidConfirmation)) {
					t.Fatalf("got %v, want the charger's CALLERROR", err)
				}
			}
			if errors.Is(tc.wantErr, ocpp.ErrInvalidRequest) {
				sent, _ := j.snapshot()
				if len(ch.received()) != before || len(sent) != len(sentBefore) {
					t.Fatalf("an invalid request was sent")
				}
				return
			}
			// The charger got the request as given.
			rc := <-ch.calls
			if rc.Action != action || !jsonEqual(rc.Payload, orEmpty(tc.req)) {
				t.Errorf("charger got %s %s, want %s %s", rc.Action, rc.Payload, action, tc.req)
			}
			// The journal heard the call and its outcome.
			var last ocpp.CallOutcome
			if err := testkit.Poll(5*time.Second, 5*time.Millisecond, func() error {
				sent, done := j.snapshot()
				if len(sent) != len(sentBefore)+1 || len(done) != len(sent) {
					return fmt.Errorf("%d calls sent, %d done; want %d of each", len(sent), len(done), len(sentBefore)+1)
				}
				last = done[len(done)-1]
				return nil
			}); err != nil {
				t.Fatalf("journal: %v", err)
			}
			sent, _ := j.snapshot()
			if rec := sent[len(sent)-1]; rec.UniqueID != rc.ID || rec.Action != action || rec.ChargerID != "c1234" {
				t.Errorf("journal sent %+v, want id %s action %s", rec, rc.ID, action)
			}
			switch {
			case errors.Is(tc.wantErr, ocpp.ErrTimeout):
				if !last.TimedOut {
					t.Errorf("journal outcome %+v, want timed out", last)
				}
			case tc.code != "" && tc.wantErr == nil:
				if last.Error == nil || last.Error.Code != tc.code {
					t.Errorf("journal outcome %+v, want CALLERROR %s", last, tc.code)
				}
			case errors.Is(tc.wantErr, ocpp.ErrInvalidConfirmation):
				if last.Violation == "" {
					t.Errorf("journal outcome %+v, want a violation", last)
				}
			default:
				if !jsonEqual(last.Result, tc.want) {
					t.Errorf("journal result %s, want %s", last.Result, tc.want)
				}
			}
		})
	}
}

func orEmpty(s string) string {
	if strings.TrimSpace(s) == "" {
		return "{}"
	}
	return s
}

func jsonEqual(a json.RawMessage, b string) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

func TestCallRawConnectionClosedIsFailed(t *testing.T) {
	j := &journal{}
	ts := startServer(t, func(cfg *ocpp.ConnConfig) { cfg.Journal = j })
	ws, conn := ts.dial(t, "c1234")
	done := make(chan error, 1)
	go func() {
		_, err := conn.CallRaw(context.Background(), ocpp.ActionReset, json.RawMessage(`{"type":"Hard"}`))
		done <- err
	}()
	readFrame(t, ws) // the Reset went out; the charger goes away instead of answering
	ws.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ocpp.ErrClosed) {
			t.Fatalf("got %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("CallRaw did not return when the socket closed")
	}
	testkit.CheckFor(t, 5*time.Second, func() error {
		_, done := j.snapshot()
		if len(done) != 1 || done[0].Failed == "" || done[0].TimedOut {
			return fmt.Errorf("journal outcomes %+v, want one failed", done)
		}
		return nil
	})
}
