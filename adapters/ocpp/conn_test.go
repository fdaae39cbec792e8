package ocpp_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/gorilla/websocket"
)

// testServer is a charger endpoint serving OCPP with a fake backend.
type testServer struct {
	url      string
	cancel   context.CancelFunc // ends every Serve
	backend  *fakeBackend
	conns    chan *ocpp.Conn
	serveErr chan error
}

// startServer starts an httptest charger endpoint; tweak adjusts each
// connection's config.
func startServer(tb testing.TB, tweak func(*ocpp.ConnConfig)) *testServer {
	tb.Helper()
	ts := &testServer{backend: newFakeBackend(), conns: make(chan *ocpp.Conn, 4), serveErr: make(chan error, 4)}
	router := newRouter(ts.backend)
	ctx, cancel := context.WithCancel(context.Background())
	upgrader := websocket.Upgrader{Subprotocols: []string{ocpp.Subprotocol}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ocpp.Offers(r) {
			http.Error(w, "ocpp1.6 required", http.StatusBadRequest)
			return
		}
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		cfg := ocpp.ConnConfig{
			ChargerID: strings.TrimPrefix(r.URL.Path, "/chargers/"),
			Router:    router,
			Logger:    quietLogger(),
		}
		if tweak != nil {
			tweak(&cfg)
		}
		conn := ocpp.NewConn(ws, cfg)
		ts.conns <- conn
		ts.serveErr <- conn.Serve(ctx)
	}))
	tb.Cleanup(srv.Close)
	tb.Cleanup(cancel) // runs first: ends Serve so srv.Close does not wait
	ts.cancel = cancel
	ts.url = "ws" + strings.TrimPrefix(srv.URL, "http") + "/chargers/"
	return ts
}

// dial connects a charger offering ocpp1.6 and returns the client socket
// and the server's Conn for it.
func (ts *testServer) dial(tb testing.TB, chargerID string) (*websocket.Conn, *ocpp.Conn) {
	tb.Helper()
	d := websocket.Dialer{Subprotocols: []string{ocpp.Subprotocol}, HandshakeTimeout: 5 * time.Second}
	ws, resp, err := d.Dial(ts.url+chargerID, nil)
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	tb.Cleanup(func() { ws.Close() })
	if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != ocpp.Subprotocol {
		tb.Fatalf("got subprotocol %q, want %q", got, ocpp.Subprotocol)
	}
	select {
	case c := <-ts.conns:
		return ws, c
	case <-time.After(5 * time.Second):
		tb.Fatal("server did not accept the connection")
	}
	return nil, nil
}

// readFrame reads the next text frame as a JSON array.
func readFrame(tb testing.TB, ws *websocket.Conn) []any {
	tb.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	typ, data, err := ws.ReadMessage()
	if err != nil {
		tb.Fatalf("read: %v", err)
	}
	if typ != websocket.TextMessage {
		tb.Fatalf("got message type %d, want text", typ)
	}
	var out []any
	if err := json.Unmarshal(data, &out); err != nil {
		tb.Fatalf("frame %s: %v", data, err)
	}
	return out
}

// roundTrip sends a frame and reads the answer.
func roundTrip(tb testing.TB, ws *websocket.Conn, frame string) []any {
	tb.Helper()
	if err := ws.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		tb.Fatalf("write: %v", err)
	}
	return readFrame(tb, ws)
}

func TestConnServesCalls(t *testing.T) {
	ts := startServer(t, nil)
	ws, _ := ts.dial(t, "c1234")

	tests := []struct {
		name  string
		frame string
		check func(t *testing.T, got []any)
	}{
		{"boot accepted", `[2,"b1","BootNotification",{"chargePointVendor":"VendorX","chargePointModel":"M1"}]`,
			func(t *testing.T, got []any) {
				p, _ := got[2].(map[string]any)
				if got[0] != float64(3) || got[1] != "b1" || p["status"] != "Accepted" || p["interval"] != float64(60) {
					t.Errorf("got %v, want [3,\"b1\",{status Accepted, interval 60}]", got)
				}
			}},
		{"heartbeat", `[2,"h1","Heartbeat",{}]`,
			func(t *testing.T, got []any) {
				p, _ := got[2].(map[string]any)
				if got[0] != float64(3) || p["currentTime"] != "2026-07-04T18:30:00.000Z" {
					t.Errorf("got %v, want a CALLRESULT with currentTime", got)
				}
			}},
		{"not json", `[2,"x"`, wantError(ocpp.UnknownID, ocpp.CodeFormationViolation)},
		{"unknown message type", `[7,"u1","Heartbeat",{}]`, wantError("u1", ocpp.CodeProtocolError)},
		{"unknown action", `[2,"n1","Reset",{"type":"Soft"}]`, wantError("n1", ocpp.CodeNotImplemented)},
		{"schema violation", `[2,"s1","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Dancing"}]`,
			wantError("s1", ocpp.CodePropertyConstraintViolation)},
		{"still serving after errors", `[2,"h2","Heartbeat",{}]`,
			func(t *testing.T, got []any) {
				if got[0] != float64(3) || got[1] != "h2" {
					t.Errorf("got %v, want a CALLRESULT for h2", got)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, roundTrip(t, ws, tt.frame))
		})
	}
	calls := ts.backend.Calls()
	if len(calls) != 3 || calls[0].Method != "Boot" || calls[0].ChargerID != "c1234" {
		t.Errorf("got backend calls %+v, want Boot and two Heartbeats for c1234", calls)
	}
}

// wantError checks a CALLERROR frame.
func wantError(id string, code ocpp.ErrorCode) func(t *testing.T, got []any) {
	return func(t *testing.T, got []any) {
		t.Helper()
		if len(got) != 5 || got[0] != float64(4) || got[1] != id || got[2] != string(code) {
			t.Errorf("got %v, want [4,%q,%q,…,{}]", got, id, code)
		}
	}
}

func TestConnBinaryFrame(t *testing.T) {
	ts := startServer(t, nil)
	ws, _ := ts.dial(t, "c1")
	if err := ws.WriteMessage(websocket.BinaryMessage, []byte(`[2,"1","Heartbeat",{}]`)); err != nil {
		t.Fatal(err)
	}
	wantError(ocpp.UnknownID, ocpp.CodeFormationViolation)(t, readFrame(t, ws))
}

func TestConnMalformedAnswerIsNotAnswered(t *testing.T) {
	ts := startServer(t, nil)
	ws, _ := ts.dial(t, "c1")
	// A broken CALLRESULT and an answer to nothing are dropped, not answered.
	for _, f := range []string{`[3,"r1"]`, `[3,"r2",{}]`, `[4,"r3","GenericError","x",{}]`} {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	got := roundTrip(t, ws, `[2,"h1","Heartbeat",{}]`)
	if got[0] != float64(3) || got[1] != "h1" {
		t.Errorf("got %v, want the Heartbeat's CALLRESULT as the next frame", got)
	}
}

func TestConnRemoteStart(t *testing.T) {
	ts := startServer(t, nil)
	ws, conn := ts.dial(t, "c1234")

	type result struct {
		conf ocpp.RemoteStartTransactionConf
		err  error
	}
	done := make(chan result, 1)
	go func() {
		one := 1
		var conf ocpp.RemoteStartTransactionConf
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := conn.Call(ctx, ocpp.ActionRemoteStartTransaction, ocpp.RemoteStartTransactionReq{IDTag: "STAFF", ConnectorID: &one}, &conf)
		done <- result{conf, err}
	}()

	call := readFrame(t, ws)
	if len(call) != 4 || call[0] != float64(2) || call[2] != "RemoteStartTransaction" {
		t.Fatalf("got %v, want a RemoteStartTransaction CALL", call)
	}
	id, _ := call[1].(string)
	if id == "" || len(id) > ocpp.MaxIDLen {
		t.Fatalf("got unique id %q, want 1..36 characters", id)
	}
	if p, _ := call[3].(map[string]any); p["idTag"] != "STAFF" || p["connectorId"] != float64(1) {
		t.Errorf("got payload %v, want idTag STAFF on connector 1", call[3])
	}
	answer, _ := json.Marshal([]any{3, id, map[string]string{"status": "Accepted"}})
	if err := ws.WriteMessage(websocket.TextMessage, answer); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.err != nil || r.conf.Status != ocpp.RemoteAccepted {
			t.Fatalf("got %+v, %v; want Accepted", r.conf, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Call did not return")
	}
}

// chargerFrames runs a client reader that forwards every frame.
func chargerFrames(tb testing.TB, ws *websocket.Conn) <-chan []any {
	tb.Helper()
	out := make(chan []any, 8)
	go func() {
		defer close(out)
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			var f []any
			if json.Unmarshal(data, &f) == nil {
				out <- f
			}
		}
	}()
	return out
}

func nextFrame(tb testing.TB, frames <-chan []any) []any {
	tb.Helper()
	select {
	case f, ok := <-frames:
		if !ok {
			tb.Fatal("socket closed, want a frame")
		}
		return f
	case <-time.After(5 * time.Second):
		tb.Fatal("no frame")
	}
	return nil
}

func TestConnCallErrors(t *testing.T) {
	ts := startServer(t, nil)
	ws, conn := ts.dial(t, "c1")
	frames := chargerFrames(t, ws)
	one := 1

	t.Run("charger answers CALLERROR", func(t *testing.T) {
		errc := make(chan error, 1)
		go func() {
			errc <- conn.Call(context.Background(), ocpp.ActionRemoteStopTransaction, ocpp.RemoteStopTransactionReq{TransactionID: &one}, nil)
		}()
		call := nextFrame(t, frames)
		answer, _ := json.Marshal([]any{4, call[1], "FormatViolation", "bad payload", map[string]any{}})
		_ = ws.WriteMessage(websocket.TextMessage, answer)
		err := <-errc
		wantCode(t, err, ocpp.CodeFormationViolation)
	})

	t.Run("invalid confirmation", func(t *testing.T) {
		errc := make(chan error, 1)
		go func() {
			var conf ocpp.RemoteStopTransactionConf
			errc <- conn.Call(context.Background(), ocpp.ActionRemoteStopTransaction, ocpp.RemoteStopTransactionReq{TransactionID: &one}, &conf)
		}()
		call := nextFrame(t, frames)
		answer, _ := json.Marshal([]any{3, call[1], map[string]string{"status": "Perhaps"}})
		_ = ws.WriteMessage(websocket.TextMessage, answer)
		wantCode(t, <-errc, ocpp.CodePropertyConstraintViolation)
	})

	t.Run("invalid request is not sent", func(t *testing.T) {
		err := conn.Call(context.Background(), ocpp.ActionRemoteStopTransaction, ocpp.RemoteStopTransactionReq{}, nil)
		wantCode(t, err, ocpp.CodeOccurenceConstraintViolation)
	})

	t.Run("timeout, late answer dropped, next call works", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		err := conn.Call(ctx, ocpp.ActionRemoteStopTransaction, ocpp.RemoteStopTransactionReq{TransactionID: &one}, nil)
		if !errors.Is(err, ocpp.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want ErrTimeout and DeadlineExceeded", err)
		}
		late := nextFrame(t, frames)
		answer, _ := json.Marshal([]any{3, late[1], map[string]string{"status": "Accepted"}})
		_ = ws.WriteMessage(websocket.TextMessage, answer)

		errc := make(chan error, 1)
		go func() {
			errc <- conn.Call(context.Background(), ocpp.ActionRemoteStopTransaction, ocpp.RemoteStopTransactionReq{TransactionID: &one}, nil)
		}()
		call := nextFrame(t, frames)
		if call[1] == late[1] {
			t.Fatalf("got reused unique id %v", call[1])
		}
		answer, _ = json.Marshal([]any{3, call[1], map[string]string{"status": "Accepted"}})
		_ = ws.WriteMessage(websocket.TextMessage, answer)
		if err := <-errc; err != nil {
			t.Fatalf("got %v, want nil", err)
		}
	})
}

func TestConnOneOutstandingCall(t *testing.T) {
	ts := startServer(t, nil)
	ws, conn := ts.dial(t, "c1")
	frames := chargerFrames(t, ws)
	one, two := 1, 2

	errs := make(chan error, 2)
	go func() {
		errs <- conn.Call(context.Background(), ocpp.ActionRemoteStopTransaction, ocpp.RemoteStopTransactionReq{TransactionID: &one}, nil)
	}()
	first := nextFrame(t, frames)
	go func() {
		errs <- conn.Call(context.Background(), ocpp.ActionRemoteStopTransaction, ocpp.RemoteStopTransactionReq{TransactionID: &two}, nil)
	}()
	// The second call waits while the first is outstanding.
	select {
	case f := <-frames:
		t.Fatalf("got a second CALL %v while the first is outstanding", f)
	case <-time.After(200 * time.Millisecond):
	}
	answer, _ := json.Marshal([]any{3, first[1], map[string]string{"status": "Accepted"}})
	_ = ws.WriteMessage(websocket.TextMessage, answer)
	second := nextFrame(t, frames)
	if p, _ := second[3].(map[string]any); p["transactionId"] != float64(2) {
		t.Fatalf("got %v, want the second call for transaction 2", second)
	}
	answer, _ = json.Marshal([]any{3, second[1], map[string]string{"status": "Rejected"}})
	_ = ws.WriteMessage(websocket.TextMessage, answer)
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("got %v, want nil", err)
		}
	}
}

func TestConnClose(t *testing.T) {
	ts := startServer(t, nil)
	ws, conn := ts.dial(t, "c1")
	one := 1
	errc := make(chan error, 1)
	frames := make(chan struct{})
	go func() {
		errc <- conn.Call(context.Background(), ocpp.ActionRemoteStopTransaction, ocpp.RemoteStopTransactionReq{TransactionID: &one}, nil)
	}()
	go func() {
		defer close(frames)
		_, _, _ = ws.ReadMessage() // the CALL
	}()
	<-frames
	conn.Close("replaced by a new connection")

	if err := <-errc; !errors.Is(err, ocpp.ErrClosed) {
		t.Errorf("outstanding call: got %v, want ErrClosed", err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure || ce.Text != "replaced by a new connection" {
		t.Errorf("got %v, want close 1000 with the reason", err)
	}
	if err := <-ts.serveErr; err != nil {
		t.Errorf("Serve: got %v, want nil", err)
	}
	if err := conn.Call(context.Background(), ocpp.ActionRemoteStopTransaction, ocpp.RemoteStopTransactionReq{TransactionID: &one}, nil); !errors.Is(err, ocpp.ErrClosed) {
		t.Errorf("call after close: got %v, want ErrClosed", err)
	}
	select {
	case <-conn.Done():
	default:
		t.Error("Done is not closed")
	}
}

func TestConnReadLimit(t *testing.T) {
	ts := startServer(t, nil)
	ws, _ := ts.dial(t, "c1")
	// 200 KiB is under the default limit (a StopTransaction with hours of
	// transactionData); over DefaultReadLimit closes the socket.
	ok := `[2,"1","DataTransfer",{"vendorId":"v","data":"` + strings.Repeat("x", 200<<10) + `"}]`
	if err := ws.WriteMessage(websocket.TextMessage, []byte(ok)); err != nil {
		t.Fatal(err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, b, err := ws.ReadMessage(); err != nil || !strings.HasPrefix(string(b), `[3,"1"`) && !strings.HasPrefix(string(b), `[4,"1"`) {
		t.Fatalf("a 200 KiB frame: got %s, %v, want its answer", b, err)
	}
	big := `[2,"2","DataTransfer",{"vendorId":"v","data":"` + strings.Repeat("x", ocpp.DefaultReadLimit) + `"}]`
	go func() { _ = ws.WriteMessage(websocket.TextMessage, []byte(big)) }()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseMessageTooBig {
		t.Errorf("got %v, want close 1009", err)
	}
}

func TestConnPongDeadline(t *testing.T) {
	ts := startServer(t, func(c *ocpp.ConnConfig) {
		c.PongWait = 300 * time.Millisecond
		c.PingInterval = 100 * time.Millisecond
	})
	ws, conn := ts.dial(t, "c1")
	// gorilla answers pings only while reading; a charger that reads stays.
	frames := chargerFrames(t, ws)
	select {
	case <-conn.Done():
		t.Fatal("connection ended although the charger answers pings")
	case <-time.After(time.Second):
	}
	// A charger that stops answering pings is dropped.
	_ = ws.UnderlyingConn().Close()
	for range frames {
	}
	testkit.CheckFor(t, 5*time.Second, func() error {
		select {
		case <-conn.Done():
			return nil
		default:
			return errors.New("connection still open")
		}
	})
}

func TestConnServeEndsWithContext(t *testing.T) {
	ts := startServer(t, nil)
	ws, _ := ts.dial(t, "c1")
	ts.cancel()
	select {
	case err := <-ts.serveErr:
		if err != nil {
			t.Errorf("Serve: got %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure {
		t.Errorf("got %v, want close 1000", err)
	}
}

func TestConnChargerCloses(t *testing.T) {
	ts := startServer(t, nil)
	ws, conn := ts.dial(t, "c1")
	msg := websocket.FormatCloseMessage(websocket.CloseGoingAway, "reboot")
	if err := ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-ts.serveErr:
		if err != nil {
			t.Errorf("Serve: got %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
	<-conn.Done()
}

func TestEndpointRequiresSubprotocol(t *testing.T) {
	ts := startServer(t, nil)
	_, resp, err := websocket.DefaultDialer.Dial(ts.url+"c1", nil)
	if err == nil {
		t.Fatal("dial without ocpp1.6: got a connection, want a refusal")
	}
	if resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("got %v, want 400", resp)
	}
}

func TestConnRemoteStop(t *testing.T) {
	ts := startServer(t, nil)
	ws, conn := ts.dial(t, "c1")
	frames := chargerFrames(t, ws)
	type result struct {
		status ocpp.RemoteStatus
		err    error
	}
	done := make(chan result, 1)
	go func() {
		s, err := conn.RemoteStop(context.Background(), 1017)
		done <- result{s, err}
	}()
	call := nextFrame(t, frames)
	if p, _ := call[3].(map[string]any); call[2] != "RemoteStopTransaction" || p["transactionId"] != float64(1017) {
		t.Fatalf("got %v, want RemoteStopTransaction for 1017", call)
	}
	answer, _ := json.Marshal([]any{3, call[1], map[string]string{"status": "Rejected"}})
	_ = ws.WriteMessage(websocket.TextMessage, answer)
	if r := <-done; r.err != nil || r.status != ocpp.RemoteRejected {
		t.Fatalf("got %v, %v; want Rejected", r.status, r.err)
	}
}
