package ocpp_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/gorilla/websocket"
)

// startLimitedServer starts a charger endpoint whose connections use a
// router over b built with cfg (clock and logger filled in).
func startLimitedServer(tb testing.TB, b *fakeBackend, cfg ocpp.Config) *testServer {
	tb.Helper()
	cfg.Now = func() time.Time { return fixedNow }
	cfg.Logger = quietLogger()
	r := ocpp.NewRouter(b, cfg)
	return startServer(tb, func(c *ocpp.ConnConfig) { c.Router = r })
}

func TestConnRejectedBootServesOnlyBoot(t *testing.T) {
	b := newFakeBackend()
	b.bootStatus, b.bootDecision = "", ocpp.BootRejected
	ts := startLimitedServer(t, b, ocpp.Config{})
	ws, conn := ts.dial(t, "c9")

	const notBooted = "the charger's BootNotification was not accepted; send BootNotification first"
	const rejected = "the charger's BootNotification was Rejected; only BootNotification is served until it is Accepted"
	steps := []struct {
		frame    string
		wantDesc string // "" for a CALLRESULT
	}{
		{`[2,"m1","MeterValues",` + socPayload + `]`, notBooted},
		{`[2,"b1","BootNotification",` + bootPayload + `]`, ""},
		{`[2,"s1","StartTransaction",` + startPayload + `]`, rejected},
		{`[2,"m2","MeterValues",` + socPayload + `]`, rejected},
		{`[2,"h1","Heartbeat",{}]`, rejected},
		{`[2,"b2","BootNotification",` + bootPayload + `]`, ""},
	}
	for _, st := range steps {
		got := roundTrip(t, ws, st.frame)
		if st.wantDesc == "" {
			if got[0] != float64(3) {
				t.Fatalf("%s: got %v, want a CALLRESULT", st.frame, got)
			}
			if p, _ := got[2].(map[string]any); p["status"] != "Rejected" {
				t.Errorf("boot: got %v, want status Rejected", got)
			}
			continue
		}
		if len(got) != 5 || got[0] != float64(4) || got[2] != string(ocpp.CodeSecurityError) || got[3] != st.wantDesc {
			t.Errorf("%s: got %v, want CALLERROR SecurityError %q", st.frame, got, st.wantDesc)
		}
	}
	if got := fmt.Sprint(methods(b)); got != "[Boot Boot]" {
		t.Errorf("got backend calls %s, want [Boot Boot]: nothing but the boots is stored", got)
	}
	if got := conn.Boot(); got != ocpp.BootRejected {
		t.Errorf("conn boot: got %q, want Rejected", got)
	}
}

// TestConnFloodIsRateLimited sends a flood down one socket: the burst is
// served, the rest answered GenericError and not stored, and the
// connection stays up and serving.
func TestConnFloodIsRateLimited(t *testing.T) {
	b := newFakeBackend()
	ts := startLimitedServer(t, b, ocpp.Config{Rate: 1, Burst: 10})
	ws, _ := ts.dial(t, "c1")

	const n = 200
	flooded := make(chan struct{})
	go func() {
		defer close(flooded)
		for i := range n {
			frame := fmt.Sprintf(`[2,"m%d","MeterValues",%s]`, i, socPayload)
			if err := ws.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
				return
			}
		}
	}()
	served, limited := 0, 0
	for range n {
		got := readFrame(t, ws)
		switch {
		case got[0] == float64(3):
			served++
		case got[0] == float64(4) && got[2] == string(ocpp.CodeGenericError) &&
			got[3] == "rate limited: more than 1 messages a second; retry later":
			limited++
		default:
			t.Fatalf("got %v, want a CALLRESULT or the rate limit's GenericError", got)
		}
	}
	if served < 10 || served > 15 || served+limited != n {
		t.Errorf("got %d served, %d limited of %d, want the burst of 10 (and a token or so) served", served, limited, n)
	}
	if got := len(b.Calls()); got != served {
		t.Errorf("got %d readings stored, want %d", got, served)
	}
	<-flooded // one writer at a time on the socket
	// Once the rate refills, the charger is served again on the same socket.
	i := 0
	testkit.CheckFor(t, 5*time.Second, func() error {
		i++
		if got := roundTrip(t, ws, fmt.Sprintf(`[2,"h%d","Heartbeat",{}]`, i)); got[0] != float64(3) {
			return fmt.Errorf("still limited: %v", got)
		}
		return nil
	})
}

// TestConnMeterFrameCapped sends the 22 KB frame of 600 samples that used
// to become 600 events.
func TestConnMeterFrameCapped(t *testing.T) {
	b := newFakeBackend()
	ts := startLimitedServer(t, b, ocpp.Config{})
	ws, _ := ts.dial(t, "c1")
	payload := meterValues(10, 60, "12345.67", "Raw")
	if len(payload) < 20<<10 {
		t.Fatalf("payload is %d bytes, want about 22 KB", len(payload))
	}
	got := roundTrip(t, ws, `[2,"big","MeterValues",`+payload+`]`)
	want := "meterValue: more than 256 sampledValue entries in one MeterValues; send them in several"
	if len(got) != 5 || got[2] != string(ocpp.CodeOccurenceConstraintViolation) || got[3] != want {
		t.Errorf("got %v, want CALLERROR OccurenceConstraintViolation %q", got, want)
	}
	if n := len(b.Calls()); n != 0 {
		t.Errorf("got %d samples stored, want 0", n)
	}
}
