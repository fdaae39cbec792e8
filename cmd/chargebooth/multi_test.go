package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/gorilla/websocket"
)

// twoInstances starts one NATS server and two chargebooth instances on it.
func twoInstances(t *testing.T) (a, b *Main) {
	t.Helper()
	emb, err := eventstore.StartEmbedded(eventstore.EmbeddedConfig{DataDir: filepath.Join(t.TempDir(), "nats"), Listen: "127.0.0.1:-1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Shutdown)
	url := emb.ClientURL()
	a = startMain(t, t.TempDir(), func(m *Main) { m.Config.NATSURL, m.Config.Instance = url, "a" })
	b = startMain(t, t.TempDir(), func(m *Main) { m.Config.NATSURL, m.Config.Instance = url, "b" })
	return a, b
}

func TestChargerOnOneInstanceWidgetOnAnother(t *testing.T) {
	a, b := twoInstances(t)
	w := dialWidget(t, b, "wABCD")
	c := dialCharger(t, a, "c1234")
	socs := []string{"10", "50", "80", "85", "99", "100", "100", "20"}
	want := []string{"charging", "charging", "charging80", "charging80", "charging80", "charged", "charged", "charging"}
	for _, s := range socs {
		c.send(reading(s))
	}
	for i, st := range want {
		if got := w.status(5 * time.Second); got != st {
			t.Fatalf("status %d: got %q, want %q", i, got, st)
		}
	}
}

func TestTwoInstancesRacingOpenOneSession(t *testing.T) {
	a, b := twoInstances(t)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < 40; i++ {
		m := a
		if i%2 == 1 {
			m = b
		}
		wg.Add(1)
		go func(m *Main, i int) {
			defer wg.Done()
			<-start
			_, err := m.Service.ReportSoC(context.Background(), "crace", domain.Reading{SoC: float64(i)})
			if err != nil {
				t.Errorf("reading %d: %v", i, err)
			}
		}(m, i)
	}
	close(start)
	wg.Wait()
	evs, err := a.Store.Load(context.Background(), domain.ChargerKey("crace"), 0)
	if err != nil {
		t.Fatal(err)
	}
	opened, readings := 0, 0
	sessions := map[string]bool{}
	for _, e := range evs {
		switch e.Data.(type) {
		case domain.SessionOpened:
			opened++
		case domain.SoCReported:
			readings++
			sessions[e.SessionID] = true
		}
	}
	if opened != 1 || readings != 40 || len(sessions) != 1 {
		t.Errorf("got %d sessions opened, %d readings on %d sessions; want 1, 40, 1", opened, readings, len(sessions))
	}
	checkFor(t, 5*time.Second, func() bool {
		sa, _ := a.Board.Charger("crace", time.Now())
		sb, _ := b.Board.Charger("crace", time.Now())
		return sa.SessionID != "" && sa.SessionID == sb.SessionID
	})
}

func TestRemoteCommandReachesTheHoldingInstance(t *testing.T) {
	a, b := twoInstances(t)
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+a.ChargerURL+"/chargers/cp1",
		map[string][]string{"Sec-WebSocket-Protocol": {"ocpp1.6"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	// The charger answers RemoteStartTransaction with Accepted.
	go func() {
		for {
			_, msg, err := ws.ReadMessage()
			if err != nil {
				return
			}
			var f []json.RawMessage
			if json.Unmarshal(msg, &f) == nil && len(f) == 4 && string(f[0]) == "2" {
				_ = ws.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf(`[3,%s,{"status":"Accepted"}]`, f[1])))
			}
		}
	}()
	checkFor(t, 5*time.Second, func() bool { ch, _ := b.Board.Charger("cp1", time.Now()); return ch.Online })
	var out struct {
		Response struct {
			Status string `json:"status"`
		} `json:"response"`
	}
	if code := api(t, b, "POST", "/api/chargers/cp1/remote-start", `{"idTag":"STAFF","connectorId":1}`, &out); code != 200 || out.Response.Status != "Accepted" {
		t.Fatalf("remote start through instance b: %d %+v", code, out)
	}
	if code := api(t, b, "POST", "/api/chargers/nobody/remote-start", `{"idTag":"STAFF"}`, nil); code != 409 {
		t.Errorf("remote start to a charger nobody holds: %d, want 409", code)
	}
}

func TestNATSDownChargersAreToldAndServerRecovers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nats")
	emb, err := eventstore.StartEmbedded(eventstore.EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:-1"})
	if err != nil {
		t.Fatal(err)
	}
	url := emb.ClientURL()
	m := startMain(t, t.TempDir(), func(m *Main) { m.Config.NATSURL = url })
	w := dialWidget(t, m, "wABCD")
	c := dialCharger(t, m, "c1234")
	c.send(reading("10"))
	if got := w.status(5 * time.Second); got != "charging" {
		t.Fatalf("got %q", got)
	}
	emb.Shutdown()
	checkFor(t, 10*time.Second, func() bool { return m.Runtime.Ready() != nil })
	c.send(`{"event":"StateOfCharge","id":"while-down","data":{"soc":20}}`)
	if f := c.nextFrame(10 * time.Second); f.Event != "Error" || f.Data.Code != "store_unavailable" {
		t.Fatalf("reading while NATS is down: got %+v, want Error store_unavailable", f)
	}
	status := func() int {
		resp, err := http.Get("http://" + m.HTTPURL + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := status(); s != http.StatusServiceUnavailable {
		t.Errorf("/readyz while NATS is down: %d, want 503", s)
	}
	emb2, err := eventstore.StartEmbedded(eventstore.EmbeddedConfig{DataDir: dir, Listen: strings.TrimPrefix(url, "nats://")})
	if err != nil {
		t.Fatal(err)
	}
	defer emb2.Shutdown()
	checkFor(t, 20*time.Second, func() bool { return status() == http.StatusOK })
	// The charger re-sends what was not stored; now it is.
	testkit.CheckFor(t, 20*time.Second, func() error {
		c.send(`{"event":"StateOfCharge","id":"while-down","data":{"soc":90}}`)
		if f := c.nextFrame(10 * time.Second); f.Event != "Ack" {
			return fmt.Errorf("no Ack after NATS came back; last %+v", f)
		}
		return nil
	})
	for {
		if got := w.status(10 * time.Second); got == "charging80" {
			break
		}
	}
}

func TestNATSDownOCPPChargersGetInternalError(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nats")
	emb, err := eventstore.StartEmbedded(eventstore.EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:-1"})
	if err != nil {
		t.Fatal(err)
	}
	m := startMain(t, t.TempDir(), func(m *Main) { m.Config.NATSURL = emb.ClientURL() })
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+m.ChargerURL+"/chargers/cp9",
		map[string][]string{"Sec-WebSocket-Protocol": {"ocpp1.6"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	call := func(id, payload string) []json.RawMessage {
		t.Helper()
		msg := `[2,"` + id + `","MeterValues",` + payload + `]`
		if err := ws.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		_ = ws.SetReadDeadline(time.Now().Add(15 * time.Second))
		_, b, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		var f []json.RawMessage
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		return f
	}
	mv := `{"connectorId":0,"meterValue":[{"timestamp":"2026-07-04T21:00:00Z","sampledValue":[{"value":"55.0","measurand":"SoC"}]}]}`
	if f := call("m1", mv); string(f[0]) != "3" {
		t.Fatalf("with NATS up: got %s, want a CALLRESULT", f)
	}
	emb.Shutdown()
	checkFor(t, 10*time.Second, func() bool { return m.Runtime.Ready() != nil })
	mv2 := strings.Replace(mv, "55.0", "66.0", 1)
	f := call("m2", mv2)
	if string(f[0]) != "4" || string(f[2]) != `"InternalError"` {
		t.Fatalf("with NATS down: got %s, want CALLERROR InternalError", f)
	}
}
