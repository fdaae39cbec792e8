package charger_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/charger"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore/estest"
	"github.com/gorilla/websocket"
	"github.com/oklog/ulid/v2"
)

// A simple-protocol charger's own goroutine only reads: storing a reading
// (decoding, the store's round trips) runs on a pooled worker, so the
// goroutine keeps the small stack a read needs. Inline, each charger that
// sent a reading held a stack of 8 KiB or more until the collector's next
// cycle, which at 8,000 chargers was 100 MiB of stacks.
func TestReadingsLeaveChargerStacksSmall(t *testing.T) {
	if raceEnabled {
		t.Skip("stack sizes under the race detector say nothing")
	}
	const chargers = 200
	_, store, _ := estest.Start(t)
	svc := domain.NewService(store, time.Now, func() string { return ulid.Make().String() }, domain.DefaultTariff)
	s := charger.New(charger.Config{Service: svc, Instance: "t", Epoch: "e",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { s.Close(); srv.Close() })

	base := "ws" + strings.TrimPrefix(srv.URL, "http") + "/chargers/"
	send := func(ws *websocket.Conn, id string) {
		t.Helper()
		if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"event":"StateOfCharge","id":"`+id+`","data":{"soc":50}}`)); err != nil {
			t.Fatal(err)
		}
		_, b, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"Ack"`) {
			t.Fatalf("reading %s: got %s, want its Ack", id, b)
		}
	}
	var start runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&start)
	conns := make([]*websocket.Conn, chargers)
	for i := range conns {
		ws, _, err := websocket.DefaultDialer.Dial(fmt.Sprintf("%sc%04d", base, i), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.Close() })
		conns[i] = ws
		send(ws, "r0") // the session opens: the path's first run
	}
	for i, ws := range conns {
		send(ws, fmt.Sprintf("r1-%d", i))
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	per := (int64(after.StackInuse) - int64(start.StackInuse)) / chargers
	if per > 6<<10 {
		t.Fatalf("%d B of stacks per charger after two readings each, want under 6 KiB: the readings ran on the chargers' own goroutines", per)
	}
	t.Logf("%d B of stacks per charger", per)
}
