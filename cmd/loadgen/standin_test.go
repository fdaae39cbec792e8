package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// faultyCharger is the charger whose readings a fault counts.
const faultyCharger = "lgc0001"

// fault is what a stand-in server does wrong, to one reading of
// faultyCharger.
type fault struct {
	dropNth   int    // acknowledge the nth reading but relay no status
	wrongNth  int    // relay a wrong status for the nth reading
	errorNth  int    // answer the nth reading with an Error frame, store nothing
	refuse    string // refuse this widget id with HTTP 400
	onConnect string // every widget gets this status on connect (an open session)
}

// standin is an in-test server speaking the charger and widget protocols of
// DESIGN.md: it relays each reading of a charger to its paired widget, in
// memory, and stores nothing.
type standin struct {
	fault    fault
	chargers *httptest.Server
	widgets  *httptest.Server
	api      *httptest.Server
	token    string
	upgrader websocket.Upgrader
	handlers sync.WaitGroup

	mu       sync.Mutex // guards the fields below
	closed   bool       // no more sockets are served
	conns    map[*websocket.Conn]bool
	pairs    map[string]string // charger → widget
	peers    map[string]*peer  // widget id → its socket
	readings int               // readings received
	relayed  int               // statuses written to widgets
}

// peer is a socket that several goroutines write to.
type peer struct {
	mu sync.Mutex
	c  *websocket.Conn
}

// write sends one text frame.
func (p *peer) write(b []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.c.WriteMessage(websocket.TextMessage, b)
}

// newStandin starts a stand-in server pairing the first n loadgen ids
// (prefix "lg"); n = 0 leaves pairing to its staff API.
func newStandin(tb testing.TB, n int, f fault) *standin {
	tb.Helper()
	s := &standin{fault: f, token: "secret", pairs: map[string]string{}, peers: map[string]*peer{},
		conns: map[*websocket.Conn]bool{}}
	for i := range n {
		s.pairs[chargerID("lg", i)] = widgetID("lg", i)
	}
	s.chargers = httptest.NewServer(http.HandlerFunc(s.serveCharger))
	s.widgets = httptest.NewServer(http.HandlerFunc(s.serveWidget))
	s.api = httptest.NewServer(http.HandlerFunc(s.servePairing))
	tb.Cleanup(func() {
		s.mu.Lock()
		s.closed = true
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.chargers.Close()
		s.widgets.Close()
		s.api.Close()
		s.handlers.Wait()
	})
	return s
}

// config returns a loadgen configuration aimed at s.
func (s *standin) config() Config {
	cfg := defaultConfig()
	cfg.ChargersURL = "ws" + strings.TrimPrefix(s.chargers.URL, "http") + "/chargers"
	cfg.WidgetsURL = "ws" + strings.TrimPrefix(s.widgets.URL, "http") + "/widgets"
	cfg.Settle = 20 * time.Millisecond
	cfg.Grace = 300 * time.Millisecond
	return cfg
}

// counts returns the readings received and the statuses relayed so far.
func (s *standin) counts() (readings, relayed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readings, s.relayed
}

// servePairing implements PUT /api/pairings/{chargerId}.
func (s *standin) servePairing(w http.ResponseWriter, r *http.Request) {
	charger, ok := strings.CutPrefix(r.URL.Path, "/api/pairings/")
	if r.Method != http.MethodPut || !ok {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		http.Error(w, `{"error":{"code":"unauthorized","message":"bad token"}}`, http.StatusUnauthorized)
		return
	}
	var body struct {
		WidgetID string `json:"widgetId"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.WidgetID == "" {
		http.Error(w, `{"error":{"code":"bad_request","message":"no widgetId"}}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.pairs[charger] = body.WidgetID
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// accept upgrades a request and tracks the socket until release; it
// returns nil once the stand-in is closed.
func (s *standin) accept(w http.ResponseWriter, r *http.Request) *websocket.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		http.Error(w, "closed", http.StatusServiceUnavailable)
		return nil
	}
	c, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return nil
	}
	s.conns[c] = true
	s.handlers.Add(1)
	return c
}

// release closes a socket accept returned.
func (s *standin) release(c *websocket.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
	s.handlers.Done()
}

// serveWidget registers a widget socket and sends it the on-connect status.
func (s *standin) serveWidget(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	if id == s.fault.refuse {
		http.Error(w, "refused", http.StatusBadRequest)
		return
	}
	c := s.accept(w, r)
	if c == nil {
		return
	}
	defer s.release(c)
	p := &peer{c: c}
	s.mu.Lock()
	s.peers[id] = p
	if s.fault.onConnect != "" {
		_ = p.write(statusFrame(s.fault.onConnect))
	}
	s.mu.Unlock()
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			break
		}
	}
	s.mu.Lock()
	if s.peers[id] == p {
		delete(s.peers, id)
	}
	s.mu.Unlock()
}

// serveCharger reads readings, acknowledges them and relays their status.
func (s *standin) serveCharger(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	c := s.accept(w, r)
	if c == nil {
		return
	}
	defer s.release(c)
	self := &peer{c: c}
	n := 0 // readings of this charger
	for {
		_, b, err := c.ReadMessage()
		if err != nil {
			return
		}
		var in struct {
			Event string `json:"event"`
			ID    string `json:"id"`
			Data  struct {
				SoC float64 `json:"soc"`
			} `json:"data"`
		}
		if err := json.Unmarshal(b, &in); err != nil || in.Event != "StateOfCharge" {
			_ = self.write([]byte(`{"event":"Error","data":{"code":"malformed_json","message":"bad frame"}}`))
			continue
		}
		s.mu.Lock()
		s.readings++
		widget := s.peers[s.pairs[id]]
		s.mu.Unlock()
		if id == faultyCharger {
			n++
		}

		st := statusOfSoC(in.Data.SoC)
		switch {
		case n == 0: // not the faulty charger
		case n == s.fault.errorNth:
			_ = self.write([]byte(`{"event":"Error","data":{"code":"invalid_soc","message":"no"}}`))
			continue
		case n == s.fault.wrongNth:
			st = rotateBack(st)
		}
		if in.ID != "" {
			_ = self.write([]byte(`{"event":"Ack","data":{"id":"` + in.ID + `"}}`))
		}
		if n > 0 && n == s.fault.dropNth || widget == nil {
			continue
		}
		if widget.write(statusFrame(st)) == nil {
			s.mu.Lock()
			s.relayed++
			s.mu.Unlock()
		}
	}
}

// statusFrame is the widget frame of a status.
func statusFrame(st string) []byte {
	return []byte(`{"event":"StateOfCharge","data":{"status":"` + st + `"}}`)
}

// statusOfSoC is the LED rule of DESIGN.md.
func statusOfSoC(soc float64) string {
	switch {
	case soc >= 100:
		return "charged"
	case soc >= 80:
		return "charging80"
	}
	return "charging"
}

// rotateBack returns a wrong status that is not the next one in loadgen's
// cycle either.
func rotateBack(st string) string {
	switch st {
	case "charging":
		return "charged"
	case "charging80":
		return "charging"
	}
	return "charging80"
}
