package wsconn_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/wsconn"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/gorilla/websocket"
)

func TestKeepalivePingsAndCloseSaysWhy(t *testing.T) {
	var pings atomic.Int32
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		k := wsconn.StartKeepalive(ws, 20*time.Millisecond, func() {})
		_ = testkit.Poll(5*time.Second, testkit.Every, func() error { // the client counts the pings
			if pings.Load() < 3 {
				return errors.New("fewer than 3 pings")
			}
			return nil
		})
		k.Stop()
		wsconn.Close(ws, "bye for now")
	}))
	defer srv.Close()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetPingHandler(func(string) error { pings.Add(1); return nil })
	_, _, err = ws.ReadMessage()
	ce, ok := err.(*websocket.CloseError)
	if !ok || ce.Text != "bye for now" {
		t.Fatalf("got %v, want a close frame saying why", err)
	}
	if n := pings.Load(); n < 3 {
		t.Errorf("got %d pings at 20 ms, want at least 3", n)
	}
}

func TestExpectPongsTimesOutASilentPeer(t *testing.T) {
	up := websocket.Upgrader{}
	got := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		wsconn.ExpectPongs(ws, 25*time.Millisecond)
		_, _, err = ws.ReadMessage()
		got <- err
	}))
	defer srv.Close()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	select {
	case err := <-got:
		if err == nil || !strings.Contains(err.Error(), "timeout") {
			t.Errorf("got %v, want a read timeout", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a silent peer was never timed out")
	}
}
