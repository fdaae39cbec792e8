package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/testkit"
)

// sioEvent is a live event as the Socket.IO edge pushes it: the WebSocket
// feed's JSON.
type sioEvent struct {
	Type      string `json:"type"`
	ChargerID string `json:"chargerId"`
	SessionID string `json:"sessionId"`
	Seq       uint64 `json:"seq"`
	Status    string `json:"status"`
	Data      struct {
		SoC float64 `json:"soc"`
	} `json:"data"`
}

func decodeEvent(tb testing.TB, r sioReport) sioEvent {
	tb.Helper()
	var e sioEvent
	if len(r.Args) == 0 || json.Unmarshal(r.Args[0], &e) != nil {
		tb.Fatalf("%s: args %s", r.Event, r.Args)
	}
	return e
}

// sioAck is a staff command's acknowledgement.
type sioAck struct {
	OK     bool            `json:"ok"`
	Status int             `json:"status"`
	Result json.RawMessage `json:"result"`
	Error  struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// TestSocketIOPortal drives the Socket.IO edge with npm socket.io-client:
// the token in the handshake (and a refusal without it), subscribe with
// an acknowledgement, a charger's readings and statuses, remoteStart
// answered with the OCPP charger's own reply, a payment and its
// acknowledgement, and a resume after the transport dropped with no event
// missed or repeated.
func TestSocketIOPortal(t *testing.T) {
	m := startMain(t, t.TempDir())
	url := "http://" + m.HTTPURL
	d := startSIO(t)

	t.Run("refused without a token", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			opts map[string]any
		}{
			{"no token", map[string]any{}},
			{"wrong token", map[string]any{"auth": map[string]any{"token": "nope"}}},
		} {
			id := "bad-" + strings.ReplaceAll(tt.name, " ", "-")
			opts := map[string]any{"reconnection": false}
			for k, v := range tt.opts {
				opts[k] = v
			}
			d.connect(id, url, opts)
			r := d.wait(10*time.Second, func(r sioReport) bool { return r.ID == id && r.Type == "connect_error" })
			if !strings.Contains(r.Message, "staff token") {
				t.Errorf("%s: connect_error %q, want one that names the staff token", tt.name, r.Message)
			}
			var data struct{ Code string }
			if err := json.Unmarshal(r.Data, &data); err != nil || data.Code != "unauthorized" {
				t.Errorf("%s: connect_error data %s, want code unauthorized", tt.name, r.Data)
			}
		}
	})
	t.Run("token in auth, query and header", func(t *testing.T) {
		for id, opts := range map[string]map[string]any{
			"by-auth":   {"auth": map[string]any{"token": testToken}},
			"by-query":  {"query": map[string]any{"token": testToken}},
			"by-header": {"extraHeaders": map[string]any{"Authorization": "Bearer " + testToken}, "transports": []string{"polling", "websocket"}},
		} {
			d.connect(id, url, opts)
			d.wait(10*time.Second, func(r sioReport) bool { return r.ID == id && r.Type == "connect" })
		}
	})

	d.connected("portal", url)
	t.Run("metrics count the clients", func(t *testing.T) {
		checkFor(t, 5*time.Second, func() bool {
			resp, err := http.Get(url + "/metrics")
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			// by-auth, by-query, by-header and portal are connected.
			return strings.Contains(string(b), "\nchargebooth_socketio_clients 4\n")
		})
	})
	var sub struct {
		OK       bool     `json:"ok"`
		Chargers []string `json:"chargers"`
	}
	d.emit("portal", "subscribe", &sub, map[string]any{"chargers": []string{"cP"}})
	if !sub.OK || len(sub.Chargers) != 1 || sub.Chargers[0] != "cP" {
		t.Fatalf("subscribe ack %+v, want ok with [cP]", sub)
	}
	var bad sioAck
	d.emit("portal", "subscribe", &bad, map[string]any{"chargers": []string{"not ok!"}})
	if bad.OK || bad.Error.Code == "" || bad.Error.Message == "" {
		t.Errorf("subscribe to a bad id: ack %+v, want ok false with {code, message}", bad)
	}

	t.Run("readings and statuses of a charger", func(t *testing.T) {
		ch := dialCharger(t, m, "cP")
		other := dialCharger(t, m, "cQ")
		for _, soc := range []string{"10", "85", "100"} {
			ch.send(reading(soc))
			other.send(reading(soc))
		}
		checkFor(t, 10*time.Second, func() bool { return len(d.events("portal", "status")) >= 3 })
		var socs []float64
		for _, r := range d.events("portal", "reading") {
			e := decodeEvent(t, r)
			if e.ChargerID != "cP" {
				t.Errorf("reading of %s, want only cP's", e.ChargerID)
			}
			var off string
			if len(r.Args) < 2 || json.Unmarshal(r.Args[1], &off) != nil || off != strconv.FormatUint(e.Seq, 10) {
				t.Errorf("reading seq %d: offset argument %s, want %q", e.Seq, r.Args, strconv.FormatUint(e.Seq, 10))
			}
			socs = append(socs, e.Data.SoC)
		}
		if fmt.Sprint(socs) != "[10 85 100]" {
			t.Errorf("readings %v, want [10 85 100]", socs)
		}
		var statuses []string
		for _, r := range d.events("portal", "status") {
			statuses = append(statuses, decodeEvent(t, r).Status)
		}
		if fmt.Sprint(statuses) != "[charging charging80 charged]" {
			t.Errorf("statuses %v, want [charging charging80 charged]", statuses)
		}
		if n := len(d.events("portal", "session")); n == 0 {
			t.Errorf("no session event (session.opened, session.charged) for cP")
		}
	})

	t.Run("remoteStart answered by the OCPP charger", func(t *testing.T) {
		oc := dialOCPP(t, m, "cOCPP", nil)
		oc.boot()
		done := make(chan sioAck, 1)
		go func() {
			var a sioAck
			d.emit("portal", "remoteStart", &a, map[string]any{"chargerId": "cOCPP", "idTag": "PORTAL1", "connectorId": 1})
			done <- a
		}()
		id, action, payload := oc.nextCall(10 * time.Second)
		if action != "RemoteStartTransaction" || !strings.Contains(string(payload), `"PORTAL1"`) {
			t.Fatalf("got CALL %s %s, want RemoteStartTransaction for PORTAL1", action, payload)
		}
		oc.reply(id, `{"status":"Rejected"}`)
		a := <-done
		var res remoteResult
		if err := json.Unmarshal(a.Result, &res); err != nil || !a.OK || res.Response.Status != "Rejected" || res.ChargerID != "cOCPP" {
			t.Errorf("remoteStart ack %+v, want ok with the charger's answer Rejected", a)
		}
		simple := dialCharger(t, m, "cS")
		simple.send(reading("10"))
		checkFor(t, 5*time.Second, func() bool { ch, _ := m.Board.Charger("cS", time.Now()); return ch.Online })
		var refused sioAck
		d.emit("portal", "remoteStop", &refused, map[string]any{"chargerId": "cS", "transactionId": 1})
		if refused.OK || refused.Status != http.StatusConflict || refused.Error.Code != "not_ocpp" {
			t.Errorf("remoteStop on a simple charger: ack %+v, want 409 not_ocpp as the HTTP API says", refused)
		}
	})

	t.Run("checkIn acknowledged", func(t *testing.T) {
		var a sioAck
		d.emit("portal", "checkIn", &a, map[string]any{"chargerId": "cK"})
		if !a.OK || a.Status != http.StatusCreated || !strings.Contains(string(a.Result), `"state":"open"`) {
			t.Errorf("checkIn ack %+v, want 201 with the open session", a)
		}
		var again sioAck
		d.emit("portal", "checkIn", &again, map[string]any{"chargerId": "cK"})
		if again.OK || again.Status != http.StatusConflict || again.Error.Code != "session_open" {
			t.Errorf("second checkIn: ack %+v, want 409 session_open as the HTTP API says", again)
		}
		var bad sioAck
		d.emit("portal", "checkIn", &bad, map[string]any{"chargerId": "cK", "extra": 1})
		if bad.OK || bad.Status != http.StatusBadRequest {
			t.Errorf("checkIn with an unknown field: ack %+v, want 400 (the API's strict JSON)", bad)
		}
	})

	t.Run("payment acknowledged", func(t *testing.T) {
		var sid string
		for _, r := range d.events("portal", "reading") {
			sid = decodeEvent(t, r).SessionID
		}
		if sid == "" {
			t.Fatal("the readings carried no session id")
		}
		var bad sioAck
		d.emit("portal", "payment", &bad, map[string]any{"sessionId": sid, "method": "cash"})
		if bad.OK || bad.Status != http.StatusBadRequest || bad.Error.Code != "invalid_amount" {
			t.Errorf("payment without an amount: ack %+v, want 400 invalid_amount", bad)
		}
		pay := map[string]any{"sessionId": sid, "amountCents": 500, "method": "cash", "idempotencyKey": "portal-pay-1"}
		var a sioAck
		d.emit("portal", "payment", &a, pay)
		var s struct {
			PaidCents    int64 `json:"paidCents"`
			BalanceCents int64 `json:"balanceCents"`
		}
		if err := json.Unmarshal(a.Result, &s); err != nil || !a.OK || a.Status != http.StatusCreated || s.PaidCents != 500 || s.BalanceCents != 0 {
			t.Errorf("payment ack %+v, want 201 with paidCents 500", a)
		}
		var again sioAck
		d.emit("portal", "payment", &again, pay)
		if !again.OK || again.Status != http.StatusOK {
			t.Errorf("payment re-sent with its idempotency key: ack %+v, want 200 (stored once)", again)
		}
		var hb sioAck
		var claim struct {
			ClaimCode string `json:"claimCode"`
		}
		api(t, m, "GET", "/api/sessions/"+sid, "", &claim)
		d.emit("portal", "handBack", &hb, map[string]any{"sessionId": sid, "claimCode": claim.ClaimCode})
		if !hb.OK || !strings.Contains(string(hb.Result), `"closed"`) {
			t.Errorf("handBack ack %+v, want ok with the closed session", hb)
		}
	})

	t.Run("messages over 64 KiB close the socket", func(t *testing.T) {
		for _, transport := range []string{"websocket", "polling"} {
			id := "big-" + transport
			d.connect(id, url, map[string]any{"auth": map[string]any{"token": testToken}, "transports": []string{transport}, "reconnection": false})
			d.wait(10*time.Second, func(r sioReport) bool { return r.ID == id && r.Type == "connect" })
			var a sioAck
			d.emit(id, "subscribe", &a, map[string]any{"chargers": strings.Repeat("x", 60<<10)})
			if a.OK || a.Error.Code != "invalid_id" {
				t.Errorf("%s: 60 KiB subscribe: ack %+v, want refused invalid_id", transport, a)
			}
			d.send(map[string]any{"op": "emit", "id": id, "event": "subscribe", "args": []any{strings.Repeat("x", 70<<10)}})
			d.wait(10*time.Second, func(r sioReport) bool { return r.ID == id && r.Type == "disconnect" })
		}
	})

	t.Run("resume after a disconnect", func(t *testing.T) {
		ch := dialCharger(t, m, "cR")
		d.connected("wall", url)
		d.emit("wall", "subscribe", nil, map[string]any{"chargers": "*"})
		d.emit("portal", "subscribe", nil, map[string]any{"chargers": []string{"cR"}})
		ch.send(reading("5"))
		checkFor(t, 10*time.Second, func() bool { return countCharger(t, d, "portal", "cR") == 1 })
		before := d.count(func(r sioReport) bool { return r.ID == "portal" && r.Type == "connect" })

		// The transports drop; the readings go on while the clients are away.
		wallBefore := len(d.events("wall", "reading"))
		d.send(map[string]any{"op": "drop", "id": "portal"})
		d.send(map[string]any{"op": "drop", "id": "wall"})
		d.wait(5*time.Second, func(r sioReport) bool { return r.ID == "portal" && r.Type == "disconnect" })
		const n = 40
		others := []*wsClient{dialCharger(t, m, "cR2"), dialCharger(t, m, "cR3")}
		for i := 1; i <= n; i++ {
			ch.send(reading(strconv.Itoa(5 + i)))
			others[i%2].send(reading(strconv.Itoa(i)))
		}
		// The wall (subscribed to "*") hears every reading of the three, once,
		// in stream order.
		checkFor(t, 15*time.Second, func() bool { return len(d.events("wall", "reading")) >= wallBefore+2*n })
		seen := map[uint64]bool{}
		var prev uint64
		for _, r := range d.events("wall", "reading")[wallBefore:] {
			e := decodeEvent(t, r)
			if seen[e.Seq] || e.Seq <= prev {
				t.Errorf("wall: reading seq %d after %d (twice or out of order)", e.Seq, prev)
			}
			seen[e.Seq], prev = true, e.Seq
		}
		checkFor(t, 15*time.Second, func() bool {
			return d.count(func(r sioReport) bool { return r.ID == "portal" && r.Type == "connect" }) > before &&
				countCharger(t, d, "portal", "cR") == n+1
		})
		testkit.HoldsFor(t, 300*time.Millisecond, func() error {
			if got := countCharger(t, d, "portal", "cR"); got != n+1 {
				return fmt.Errorf("%d readings of cR, want %d", got, n+1)
			}
			return nil
		})
		var last float64
		for _, r := range d.events("portal", "reading") {
			e := decodeEvent(t, r)
			if e.ChargerID != "cR" {
				continue
			}
			if e.Data.SoC != last+5 && last != 0 && e.Data.SoC != last+1 {
				t.Errorf("reading %v after %v: out of order or missing", e.Data.SoC, last)
			}
			last = e.Data.SoC
		}
		if last != 5+n {
			t.Errorf("last reading %v, want %d", last, 5+n)
		}
	})
	t.Run("a disabled member's socket is dropped", func(t *testing.T) {
		var sam struct{ ID, Token string }
		if got := api(t, m, "POST", "/api/staff", `{"name":"Sam","role":"staff"}`, &sam); got != http.StatusCreated {
			t.Fatalf("add Sam: %d", got)
		}
		d.connect("sam", url, map[string]any{"reconnection": false, "auth": map[string]any{"token": sam.Token}})
		d.wait(10*time.Second, func(r sioReport) bool { return r.ID == "sam" && r.Type == "connect" })
		if got := api(t, m, "DELETE", "/api/staff/"+sam.ID, "", nil); got != http.StatusOK {
			t.Fatalf("disable Sam: %d", got)
		}
		d.wait(10*time.Second, func(r sioReport) bool { return r.ID == "sam" && r.Type == "disconnect" })
		d.connect("sam-again", url, map[string]any{"reconnection": false, "auth": map[string]any{"token": sam.Token}})
		r := d.wait(10*time.Second, func(r sioReport) bool {
			return r.ID == "sam-again" && (r.Type == "connect_error" || r.Type == "connect")
		})
		if r.Type != "connect_error" {
			t.Errorf("a disabled member's token connected again")
		}
	})
	t.Run("unsubscribe, then since replays what was missed", func(t *testing.T) {
		ch := dialCharger(t, m, "cU")
		d.connected("replay", url)
		d.connected("everything", url)
		d.emit("everything", "subscribe", nil, map[string]any{"chargers": "*"})
		d.emit("replay", "subscribe", nil, map[string]any{"chargers": []string{"cU"}})
		ch.send(reading("10"))
		checkFor(t, 10*time.Second, func() bool { return countCharger(t, d, "replay", "cU") == 1 })
		first := decodeEvent(t, d.events("replay", "reading")[0])

		var off struct {
			OK       bool     `json:"ok"`
			All      bool     `json:"all"`
			Chargers []string `json:"chargers"`
		}
		d.emit("replay", "unsubscribe", &off, map[string]any{"chargers": []string{"cU"}})
		if !off.OK || off.All || len(off.Chargers) != 0 {
			t.Fatalf("unsubscribe ack %+v, want ok with no chargers", off)
		}
		ch.send(reading("20"))
		// Stored and fanned out: the client subscribed to everything heard it.
		checkFor(t, 10*time.Second, func() bool {
			for _, r := range d.events("everything", "reading") {
				if e := decodeEvent(t, r); e.ChargerID == "cU" && e.Data.SoC == 20 {
					return true
				}
			}
			return false
		})
		testkit.HoldsFor(t, 300*time.Millisecond, func() error {
			if got := countCharger(t, d, "replay", "cU"); got != 1 {
				return fmt.Errorf("%d readings of cU after unsubscribing, want still 1", got)
			}
			return nil
		})

		var back struct {
			OK        bool     `json:"ok"`
			Chargers  []string `json:"chargers"`
			Since     uint64   `json:"since"`
			Recovered bool     `json:"recovered"`
		}
		d.emit("replay", "subscribe", &back, map[string]any{"chargers": []string{"cU"}, "since": first.Seq})
		if !back.OK || len(back.Chargers) != 1 || back.Since != first.Seq || !back.Recovered {
			t.Fatalf("subscribe with since %d: ack %+v, want ok, [cU], since %d, recovered", first.Seq, back, first.Seq)
		}
		checkFor(t, 10*time.Second, func() bool { return countCharger(t, d, "replay", "cU") == 2 })
		if rs := d.events("replay", "reading"); decodeEvent(t, rs[len(rs)-1]).Data.SoC != 20 {
			t.Errorf("replayed reading %+v, want the one sent while unsubscribed (soc 20)", decodeEvent(t, rs[len(rs)-1]))
		}

		d.emit("everything", "unsubscribe", &off, map[string]any{"chargers": "*"})
		if !off.OK || off.All || len(off.Chargers) != 0 {
			t.Errorf("unsubscribe \"*\" ack %+v, want ok, all false, no chargers", off)
		}
	})
}

// countCharger counts the readings of charger id client heard.
func countCharger(tb testing.TB, d *sioDriver, client, id string) int {
	n := 0
	for _, r := range d.events(client, "reading") {
		if decodeEvent(tb, r).ChargerID == id {
			n++
		}
	}
	return n
}

// freeAddr returns a loopback address free now, for a server that must
// come back on the same port.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
