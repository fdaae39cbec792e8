package netpark_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/netpark"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/gorilla/websocket"
)

// echo is a WebSocket server on a netpark listener whose read loop parks
// whenever it has nothing to read, as the device edges' do: it echoes every
// message, counts pongs, and records why each socket ended.
type echo struct {
	url     string
	pongs   atomic.Int64
	running atomic.Int64 // read loops on a goroutine now
	mu      sync.Mutex
	ended   []error
	conns   []*websocket.Conn
	wait    time.Duration // read deadline after each frame, when not 0
}

// socket implements netpark.Control for one server socket.
type socket struct {
	ws *websocket.Conn
	e  *echo
}

func (s socket) Control(op byte, payload []byte) error {
	if op == netpark.OpPing {
		return s.ws.PingHandler()(string(payload))
	}
	return s.ws.PongHandler()(string(payload))
}

func startEcho(t *testing.T, wait time.Duration) *echo {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := netpark.Listen(raw)
	if err != nil {
		t.Fatal(err)
	}
	e := &echo{url: "ws://" + raw.Addr().String() + "/", wait: wait}
	up := websocket.Upgrader{ReadBufferSize: 256, WriteBufferSize: 256}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		ws.SetPongHandler(func(string) error { e.pongs.Add(1); return nil })
		if e.wait > 0 {
			_ = ws.SetReadDeadline(time.Now().Add(e.wait))
		}
		e.mu.Lock()
		e.conns = append(e.conns, ws)
		e.mu.Unlock()
		go e.loop(ws)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return e
}

// loop reads and echoes until nothing is left, then parks itself.
func (e *echo) loop(ws *websocket.Conn) {
	e.running.Add(1)
	defer e.running.Add(-1)
	pc := netpark.Of(ws.NetConn())
	for {
		if pc.Poll(socket{ws, e}) {
			pc.Park(func() { e.loop(ws) })
			return
		}
		typ, b, err := ws.ReadMessage()
		if err != nil {
			e.mu.Lock()
			e.ended = append(e.ended, err)
			e.mu.Unlock()
			_ = ws.Close()
			return
		}
		if e.wait > 0 {
			_ = ws.SetReadDeadline(time.Now().Add(e.wait))
		}
		if err := ws.WriteMessage(typ, b); err != nil {
			return
		}
	}
}

func (e *echo) endings() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.ended...)
}

func dial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ws.Close() })
	return ws
}

func roundTrip(t *testing.T, ws *websocket.Conn, msg []byte) {
	t.Helper()
	if err := ws.WriteMessage(websocket.TextMessage, msg); err != nil {
		t.Fatal(err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, got, err := ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("echo of %d bytes: got %d bytes %.40q…", len(msg), len(got), got)
	}
}

// Idle sockets hold no goroutine: 300 sockets that each sent a message
// leave no read loop running, and each still answers when it sends again.
func TestIdleSocketsHoldNoGoroutine(t *testing.T) {
	e := startEcho(t, 0)
	const n = 300
	before := runtime.NumGoroutine() - netpark.WaitingResumers()
	conns := make([]*websocket.Conn, n)
	for i := range conns {
		conns[i] = dial(t, e.url)
		roundTrip(t, conns[i], []byte(fmt.Sprintf("hello %d", i)))
	}
	testkit.CheckFor(t, 5*time.Second, func() error {
		if r := e.running.Load(); r != 0 {
			return fmt.Errorf("%d read loops running, want 0", r)
		}
		return nil
	})
	// The client side holds no goroutine per socket either (gorilla's
	// client reads only when asked), so the process's count tells the
	// server's: without parking it is n more.
	// Goroutines kept for the next resume (at most 64, however many
	// sockets) are not the sockets'.
	if got := runtime.NumGoroutine() - netpark.WaitingResumers() - before; got > n/10 {
		t.Fatalf("%d more goroutines with %d idle sockets, want few", got, n)
	}
	for i, ws := range conns {
		roundTrip(t, ws, []byte(fmt.Sprintf("again %d", i)))
	}
}

// Messages of every shape come through whole and in order: longer than the
// read-ahead buffer, fragmented, several frames in one TCP segment, and a
// frame written a byte at a time with pauses (the loop parks inside it).
func TestMessagesOfEveryShape(t *testing.T) {
	e := startEcho(t, 0)
	ws := dial(t, e.url)
	for _, size := range []int{0, 1, 125, 126, 511, 512, 513, 4000, 70000} {
		roundTrip(t, ws, bytes.Repeat([]byte{'a' + byte(size%26)}, size))
	}

	// Fragmented: a writer of a message longer than the client's buffer.
	ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	w, err := ws.NextWriter(websocket.TextMessage)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("0123456789", 1000)
	for i := 0; i < len(long); i += 700 {
		_, _ = w.Write([]byte(long[i:min(i+700, len(long))]))
	}
	_ = w.Close()
	_, got, err := ws.ReadMessage()
	if err != nil || string(got) != long {
		t.Fatalf("fragmented message: %d bytes, %v; want %d bytes", len(got), err, len(long))
	}

	// Three messages and a ping in one write, then a message a byte at a time.
	raw := ws.NetConn()
	batch := append(append(append(frame(0x1, "one"), frame(0x9, "ping!")...), frame(0x1, "two")...), frame(0x1, "three")...)
	if _, err := raw.Write(batch); err != nil {
		t.Fatal(err)
	}
	var pinged atomic.Bool
	ws.SetPongHandler(func(s string) error { pinged.Store(s == "ping!"); return nil })
	for _, want := range []string{"one", "two", "three"} {
		_, got, err := ws.ReadMessage()
		if err != nil || string(got) != want {
			t.Fatalf("batched: got %q, %v; want %q", got, err, want)
		}
	}
	if !pinged.Load() {
		t.Fatal("the ping inside the batch was not answered with its payload")
	}
	slow := frame(0x1, "slowly, byte by byte")
	done := make(chan error, 1)
	go func() {
		for i := range slow {
			if _, err := raw.Write(slow[i : i+1]); err != nil {
				done <- err
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
		done <- nil
	}()
	_, got, err = ws.ReadMessage()
	if err != nil || string(got) != "slowly, byte by byte" {
		t.Fatalf("slow frame: got %q, %v", got, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// frame is one masked client frame (final, opcode op) carrying s.
func frame(op byte, s string) []byte {
	key := [4]byte{1, 2, 3, 4}
	b := []byte{0x80 | op}
	switch n := len(s); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	}
	b = append(b, key[:]...)
	for i := range len(s) {
		b = append(b, s[i]^key[i&3])
	}
	return b
}

// Pings and pongs reach a parked socket's handlers without a read loop
// blocking after them: a pong counts, a ping is answered, and the loop
// parks again.
func TestControlFramesWhileParked(t *testing.T) {
	e := startEcho(t, 0)
	ws := dial(t, e.url)
	roundTrip(t, ws, []byte("first"))
	for i := range 3 {
		if err := ws.WriteControl(websocket.PongMessage, []byte(fmt.Sprint(i)), time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	// A control frame split over two writes: the loop parks between them.
	pong := frame(0xA, "split")
	_, _ = ws.NetConn().Write(pong[:3])
	time.Sleep(20 * time.Millisecond)
	_, _ = ws.NetConn().Write(pong[3:])
	testkit.CheckFor(t, 5*time.Second, func() error {
		if got := e.pongs.Load(); got != 4 {
			return fmt.Errorf("%d pongs handled, want 4", got)
		}
		if r := e.running.Load(); r != 0 {
			return fmt.Errorf("%d read loops running after the pongs, want 0", r)
		}
		return nil
	})
	got := make(chan string, 1)
	ws.SetPongHandler(func(s string) error { got <- s; return nil })
	if err := ws.WriteControl(websocket.PingMessage, []byte("are you there"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	go func() { _, _, _ = ws.ReadMessage() }() // the client reads to hear the pong
	select {
	case s := <-got:
		if s != "are you there" {
			t.Fatalf("pong payload %q, want the ping's", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no pong for a ping sent to a parked socket")
	}
}

// A parked socket's read deadline still ends it: the loop is resumed when
// it passes and its read fails with a timeout, as a waiting read's would.
func TestDeadlineEndsParkedSocket(t *testing.T) {
	e := startEcho(t, 150*time.Millisecond)
	ws := dial(t, e.url)
	roundTrip(t, ws, []byte("then silence"))
	start := time.Now()
	testkit.CheckFor(t, 5*time.Second, func() error {
		if len(e.endings()) == 0 {
			return errors.New("not ended")
		}
		return nil
	})
	var ne net.Error
	if err := e.endings()[0]; !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("ended with %v, want a read timeout", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("ended %v after the last frame, want about 150 ms", took)
	}
}

// A parked socket ends when the server closes it (its loop resumes and
// the read fails), when the client closes it with a close frame, and when
// the client's connection just goes; descriptors re-used by later sockets
// are not mistaken for the closed ones.
func TestParkedSocketsEnd(t *testing.T) {
	e := startEcho(t, 0)
	var clients []*websocket.Conn
	for i := range 30 {
		ws := dial(t, e.url)
		roundTrip(t, ws, []byte(fmt.Sprint(i)))
		clients = append(clients, ws)
	}
	testkit.CheckFor(t, 5*time.Second, func() error {
		if r := e.running.Load(); r != 0 {
			return fmt.Errorf("%d running", r)
		}
		return nil
	})
	e.mu.Lock()
	servers := append([]*websocket.Conn(nil), e.conns...)
	e.mu.Unlock()
	for i := range 10 {
		_ = servers[i].Close() // the server closes
	}
	for i := 10; i < 20; i++ {
		_ = clients[i].WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"))
	}
	for i := 20; i < 30; i++ {
		_ = clients[i].NetConn().Close()
	}
	testkit.CheckFor(t, 5*time.Second, func() error {
		if n := len(e.endings()); n != 30 {
			return fmt.Errorf("%d of 30 ended", n)
		}
		return nil
	})
	closes := 0
	for _, err := range e.endings() {
		if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			closes++
		}
	}
	if closes != 10 {
		t.Fatalf("%d endings were the client's close frame, want 10: %v", closes, e.endings())
	}
	// New sockets get the descriptors back and work.
	for i := range 30 {
		roundTrip(t, dial(t, e.url), []byte(fmt.Sprint("new ", i)))
	}
}

// A malformed control frame reaching a parked socket is left to the
// library, which refuses it as a protocol error (close 1002, saying why)
// and ends the socket; the message before it was answered.
func TestMalformedControlFramesRefused(t *testing.T) {
	e := startEcho(t, 0)
	long := strings.Repeat("p", 126)
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"unmasked ping", []byte{0x89, 0x02, 'h', 'i'}},
		{"ping with a reserved bit", func() []byte { b := frame(0x9, "hi"); b[0] |= 0x40; return b }()},
		{"ping not final", func() []byte { b := frame(0x9, "hi"); b[0] &^= 0x80; return b }()},
		{"ping over 125 bytes", frame(0x9, long)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws := dial(t, e.url)
			roundTrip(t, ws, []byte("before"))
			if _, err := ws.NetConn().Write(tc.b); err != nil {
				t.Fatal(err)
			}
			_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, _, err := ws.ReadMessage()
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.CloseProtocolError || ce.Text == "" {
				t.Fatalf("after %s: %v, want a 1002 close saying why", tc.name, err)
			}
		})
	}
	testkit.CheckFor(t, 5*time.Second, func() error {
		if n := len(e.endings()); n != 4 {
			return fmt.Errorf("%d of 4 sockets ended", n)
		}
		return nil
	})
}
