package main

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/gorilla/websocket"
)

func reading(soc string) string {
	return `{"event":"StateOfCharge","data":{"soc":` + soc + `}}`
}

func TestReadingsBecomeStatuses(t *testing.T) {
	m := startMain(t, t.TempDir())
	w := dialWidget(t, m, "wABCD")
	c := dialCharger(t, m, "c1234")
	tests := []struct {
		soc  string
		want string
	}{
		{"0", "charging"}, {"5", "charging"}, {"79.9", "charging"},
		{"80", "charging80"}, {"99.5", "charging80"},
		{"100", "charged"}, {"100", "charged"}, // a repeated reading sends the status again
	}
	for _, tt := range tests {
		c.send(reading(tt.soc))
		if got := w.status(5 * time.Second); got != tt.want {
			t.Errorf("soc %s: got %q, want %q", tt.soc, got, tt.want)
		}
	}
}

func TestBadFramesAnsweredAndSurvived(t *testing.T) {
	m := startMain(t, t.TempDir())
	w := dialWidget(t, m, "wABCD")
	c := dialCharger(t, m, "c1234")
	tests := []struct {
		name  string
		frame string
		want  string
	}{
		{"soc 101", reading("101"), "invalid_soc"},
		{"soc -1", reading("-1"), "invalid_soc"},
		{"soc abc", reading("abc"), "malformed_json"},
		{"soc string", reading(`"70"`), "invalid_soc"},
		{"soc null", reading("null"), "invalid_soc"},
		{"soc true", reading("true"), "invalid_soc"},
		{"no data", `{"event":"StateOfCharge"}`, "invalid_soc"},
		{"no soc", `{"event":"StateOfCharge","data":{}}`, "invalid_soc"},
		{"not json", `hello`, "malformed_json"},
		{"array", `[1,2,3]`, "malformed_json"},
		{"unknown event", `{"event":"Boot","data":{"soc":5}}`, "unknown_event"},
		{"1e999", reading("1e999"), "invalid_soc"},
		{"truncated", `{"event":"StateOfCharge","data":{"soc":7`, "malformed_json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.send(tt.frame)
			f := c.nextFrame(5 * time.Second)
			if f.Event != "Error" || f.Data.Code != tt.want || f.Data.Message == "" {
				t.Errorf("got %+v, want Error %s with a message", f, tt.want)
			}
		})
	}
	t.Run("binary", func(t *testing.T) {
		if err := c.ws.WriteMessage(websocket.BinaryMessage, []byte(reading("50"))); err != nil {
			t.Fatal(err)
		}
		if f := c.nextFrame(5 * time.Second); f.Event != "Error" || f.Data.Code != "binary_not_supported" {
			t.Errorf("got %+v, want binary_not_supported", f)
		}
	})
	w.none(300 * time.Millisecond)
	c.send(reading("42"))
	if got := w.status(5 * time.Second); got != "charging" {
		t.Errorf("after bad frames: got %q, want charging", got)
	}

	t.Run("a frame longer than the read buffer is read whole", func(t *testing.T) {
		c.send(`{"event":"StateOfCharge","pad":"` + strings.Repeat("y", 4<<10) + `","data":{"soc":85}}`)
		if got := w.status(5 * time.Second); got != "charging80" {
			t.Errorf("after a 4 KiB frame: got %q, want charging80", got)
		}
	})

	t.Run("over the read limit closes with 1009", func(t *testing.T) {
		big := `{"event":"StateOfCharge","data":{"soc":5},"pad":"` + strings.Repeat("x", 70<<10) + `"}`
		_ = c.ws.WriteMessage(websocket.TextMessage, []byte(big)) // the server may stop reading midway
		select {
		case err := <-c.closed:
			if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
				t.Errorf("got %v, want close 1009", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("socket not closed")
		}
	})
}

func TestEndpointsRefuseBadPaths(t *testing.T) {
	m := startMain(t, t.TempDir())
	tests := []struct {
		url  string
		want int
	}{
		{"http://" + m.ChargerURL + "/chargers/" + strings.Repeat("a", 49), 400},
		{"http://" + m.ChargerURL + "/chargers/bad%20id", 400},
		{"http://" + m.ChargerURL + "/chargers/c%2F1", 400},
		{"http://" + m.ChargerURL + "/chargers/c!", 400},
		{"http://" + m.WidgetURL + "/widgets/w%C3%A9", 400},
		{"http://" + m.ChargerURL + "/nope/c1", 404},
		{"http://" + m.ChargerURL + "/chargers/", 404},
		{"http://" + m.WidgetURL + "/widgets/a/b", 404},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			req, _ := http.NewRequest("GET", tt.url, nil)
			req.Header.Set("Connection", "Upgrade")
			req.Header.Set("Upgrade", "websocket")
			req.Header.Set("Sec-WebSocket-Version", "13")
			req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("got %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestWidgetGetsCurrentStatusOnConnect(t *testing.T) {
	m := startMain(t, t.TempDir())
	if code := api(t, m, "PUT", "/api/pairings/c2", `{"widgetId":"w2"}`, nil); code != 200 {
		t.Fatalf("pair: %d", code)
	}
	c := dialCharger(t, m, "c1234")
	c.send(reading("85"))
	checkFor(t, 5*time.Second, func() bool {
		ch, ok := m.Board.Charger("c1234", time.Now())
		return ok && ch.Status == "charging80"
	})
	w := dialWidget(t, m, "wABCD")
	if got := w.status(5 * time.Second); got != "charging80" {
		t.Fatalf("late widget: got %q, want charging80", got)
	}
	// No open session: nothing. Another pair: no cross-talk.
	w2 := dialWidget(t, m, "w2")
	w2.none(300 * time.Millisecond)
	c2 := dialCharger(t, m, "c2")
	c2.send(reading("100"))
	if got := w2.status(5 * time.Second); got != "charged" {
		t.Errorf("w2: got %q, want charged", got)
	}
	c.send(reading("10"))
	if got := w.status(5 * time.Second); got != "charging" {
		t.Errorf("wABCD: got %q, want charging", got)
	}
	w.none(200 * time.Millisecond)
	w2.none(200 * time.Millisecond)
	// A widget paired while its charger has an open session gets it at once.
	w3 := dialWidget(t, m, "w3")
	w3.none(200 * time.Millisecond)
	if code := api(t, m, "PUT", "/api/pairings/c2", `{"widgetId":"w3"}`, nil); code != 200 {
		t.Fatalf("re-pair: %d", code)
	}
	if got := w3.status(5 * time.Second); got != "charged" {
		t.Errorf("w3 after pairing: got %q, want charged", got)
	}
}

func TestSecondChargerConnectionReplacesFirst(t *testing.T) {
	m := startMain(t, t.TempDir())
	first := dialCharger(t, m, "c1234")
	first.send(reading("10"))
	checkFor(t, 5*time.Second, func() bool { ch, _ := m.Board.Charger("c1234", time.Now()); return ch.Online })
	second := dialCharger(t, m, "c1234")
	select {
	case err := <-first.closed:
		var ce *websocket.CloseError
		if !asCloseError(err, &ce) || !strings.Contains(ce.Text, "replaced") {
			t.Errorf("first closed with %v, want a close frame saying it was replaced", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("first connection not closed")
	}
	w := dialWidget(t, m, "wABCD")
	_ = w.status(5 * time.Second) // current status on connect
	second.send(reading("90"))
	if got := w.status(5 * time.Second); got != "charging80" {
		t.Errorf("got %q, want charging80", got)
	}
	testkit.HoldsFor(t, 200*time.Millisecond, func() error {
		if ch, _ := m.Board.Charger("c1234", time.Now()); !ch.Online {
			return errors.New("charger shown offline after the replaced socket closed")
		}
		return nil
	})
}

func asCloseError(err error, ce **websocket.CloseError) bool {
	e, ok := err.(*websocket.CloseError)
	if ok {
		*ce = e
	}
	return ok
}

func TestSlowWidgetDoesNotDelayOthers(t *testing.T) {
	m := startMain(t, t.TempDir())
	api(t, m, "PUT", "/api/pairings/cfast", `{"widgetId":"wfast"}`, nil)
	// wABCD connects and never reads.
	slow, _, err := websocket.DefaultDialer.Dial("ws://"+m.WidgetURL+"/widgets/wABCD", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fast := dialWidget(t, m, "wfast")
	cs := dialCharger(t, m, "c1234")
	cf := dialCharger(t, m, "cfast")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 3000; i++ {
			if cs.ws.WriteMessage(websocket.TextMessage, []byte(reading(fmt.Sprint(i%100)))) != nil {
				return
			}
		}
	}()
	for i := 0; i < 20; i++ {
		start := time.Now()
		cf.send(reading("50"))
		if got := fast.status(2 * time.Second); got != "charging" {
			t.Fatalf("fast widget: got %q", got)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("fast widget waited %s", d)
		}
	}
	<-done
}
