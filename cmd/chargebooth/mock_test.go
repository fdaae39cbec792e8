package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/gorilla/websocket"
)

// fastMocks shrinks the mocks' reconnect and shutdown knobs for a test.
func fastMocks(tb testing.TB) {
	tb.Helper()
	oldMin, oldMax, oldAck, oldClose := backoffMin, backoffMax, ackWait, closeWait
	backoffMin, backoffMax, ackWait, closeWait = 5*time.Millisecond, 40*time.Millisecond, 2*time.Second, 200*time.Millisecond
	tb.Cleanup(func() { backoffMin, backoffMax, ackWait, closeWait = oldMin, oldMax, oldAck, oldClose })
}

// chargerEndpoint is a test charger server: it records every text frame
// per connection and acks readings that carry an id.
type chargerEndpoint struct {
	srv *httptest.Server

	// set before the first connection
	refuseFirst  int     // answer the first handshake with this status
	dropFirstAt  int     // abruptly drop the first connection after this many frames
	closeFirst   string  // close the first connection after its first frame with this reason
	errorFor     float64 // answer a reading of this soc with an Error frame instead
	wantPassword string  // require HTTP Basic auth with this password

	mu       sync.Mutex
	requests int
	paths    []string
	users    []string
	conns    [][]string // frames, per connection
}

func newChargerEndpoint(tb testing.TB, setup func(*chargerEndpoint)) *chargerEndpoint {
	tb.Helper()
	e := &chargerEndpoint{errorFor: -1}
	if setup != nil {
		setup(e)
	}
	e.srv = httptest.NewServer(http.HandlerFunc(e.serve))
	tb.Cleanup(e.srv.Close)
	return e
}

// url is the --url flag for this endpoint.
func (e *chargerEndpoint) url() string {
	return "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/chargers"
}

func (e *chargerEndpoint) serve(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	e.requests++
	first := e.requests == 1
	e.mu.Unlock()
	if first && e.refuseFirst != 0 {
		http.Error(w, "not yet", e.refuseFirst)
		return
	}
	user, pass, _ := r.BasicAuth()
	if e.wantPassword != "" && pass != e.wantPassword {
		http.Error(w, "charger credentials missing or wrong", http.StatusUnauthorized)
		return
	}
	ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer ws.Close()
	e.mu.Lock()
	e.paths = append(e.paths, r.URL.Path)
	e.users = append(e.users, user)
	e.conns = append(e.conns, nil)
	n := len(e.conns) - 1
	e.mu.Unlock()
	for {
		_, b, err := ws.ReadMessage()
		if err != nil {
			return
		}
		e.mu.Lock()
		e.conns[n] = append(e.conns[n], string(b))
		count := len(e.conns[n])
		e.mu.Unlock()
		if n == 0 && e.closeFirst != "" {
			ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, e.closeFirst), time.Now().Add(time.Second))
			return
		}
		if n == 0 && e.dropFirstAt > 0 && count == e.dropFirstAt {
			ws.NetConn().Close() // no close frame: the connection just dies
			return
		}
		var f struct {
			ID   string `json:"id"`
			Data struct {
				SoC float64 `json:"soc"`
			} `json:"data"`
		}
		_ = json.Unmarshal(b, &f)
		switch {
		case f.Data.SoC == e.errorFor:
			ws.WriteMessage(websocket.TextMessage, []byte(`{"event":"Error","data":{"code":"rate_limited","message":"too many readings; slow down"}}`))
		case f.ID != "":
			ws.WriteMessage(websocket.TextMessage, []byte(`{"event":"Ack","data":{"id":"`+f.ID+`"}}`))
		}
	}
}

// frames returns a copy of every connection's frames.
func (e *chargerEndpoint) frames() [][]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([][]string, len(e.conns))
	for i, c := range e.conns {
		out[i] = slices.Clone(c)
	}
	return out
}

// allFrames returns every frame of every connection in order.
func (e *chargerEndpoint) allFrames() []string {
	var out []string
	for _, c := range e.frames() {
		out = append(out, c...)
	}
	return out
}

// runChargerT runs the charger mock to its end and returns its output.
func runChargerT(tb testing.TB, args []string, stdin string) (stdout, stderr string, err error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var out, errOut testkit.SyncBuffer
	err = runCharger(ctx, args, strings.NewReader(stdin), &out, &errOut)
	if ctx.Err() != nil {
		tb.Fatalf("runCharger did not finish in time\nstdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	}
	return out.String(), errOut.String(), err
}

func socFrameText(soc string) string { return `{"event":"StateOfCharge","data":{"soc":` + soc + `}}` }

func TestChargerScripted(t *testing.T) {
	fastMocks(t)
	tests := []struct {
		name string
		soc  string
		want []string
	}{
		{"four readings", "10,50,80,100", []string{socFrameText("10"), socFrameText("50"), socFrameText("80"), socFrameText("100")}},
		{"decimals and bounds", "0,79.9,99.5", []string{socFrameText("0"), socFrameText("79.9"), socFrameText("99.5")}},
		{"one reading", "100", []string{socFrameText("100")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newChargerEndpoint(t, nil)
			stdout, stderr, err := runChargerT(t, []string{"--id", "c7", "--url", e.url(), "--soc", tt.soc, "--interval", "1ms"}, "")
			if err != nil {
				t.Fatalf("runCharger: %v\n%s", err, stderr)
			}
			checkFor(t, 5*time.Second, func() bool { return len(e.allFrames()) >= len(tt.want) })
			if got := e.allFrames(); !slices.Equal(got, tt.want) {
				t.Errorf("frames:\ngot  %q\nwant %q", got, tt.want)
			}
			if got, want := e.paths, []string{"/chargers/c7"}; !slices.Equal(got, want) {
				t.Errorf("paths: got %q, want %q", got, want)
			}
			if got, want := strings.Count(stdout, "sent soc "), len(tt.want); got != want {
				t.Errorf("sent lines: got %d, want %d\n%s", got, want, stdout)
			}
		})
	}
}

func TestChargerScriptedAck(t *testing.T) {
	fastMocks(t)
	e := newChargerEndpoint(t, nil)
	stdout, stderr, err := runChargerT(t, []string{"--id", "c7", "--url", e.url(), "--soc", "10,50,100", "--interval", "1ms", "--ack"}, "")
	if err != nil {
		t.Fatalf("runCharger: %v\n%s", err, stderr)
	}
	got := e.allFrames()
	socs := []string{"10", "50", "100"}
	if len(got) != len(socs) {
		t.Fatalf("frames: got %q, want %d", got, len(socs))
	}
	var tag string
	for i, soc := range socs {
		re := regexp.MustCompile(`^\{"event":"StateOfCharge","id":"c7-([0-9a-z]+)-` + string(rune('1'+i)) + `","data":\{"soc":` + soc + `\}\}$`)
		m := re.FindStringSubmatch(got[i])
		if m == nil {
			t.Fatalf("frame %d: got %s, want it to match %s", i, got[i], re)
		}
		if tag == "" {
			tag = m[1]
		}
		if m[1] != tag {
			t.Errorf("frame %d: run tag %q, want %q as in the first frame", i, m[1], tag)
		}
		if want := "ack c7-" + tag + "-" + string(rune('1'+i)) + " (soc " + soc + ")\n"; !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}

func TestChargerBasicAuth(t *testing.T) {
	fastMocks(t)
	tests := []struct {
		name     string
		args     []string
		env      string
		wantUser string
		wantErr  string
	}{
		{"flags", []string{"--user", "booth", "--password", "s3cret"}, "", "booth", ""},
		{"env password, user defaults to the id", nil, "s3cret", "c7", ""},
		{"wrong password is fatal", []string{"--password", "nope"}, "", "", "401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(chargerPasswordEnv, tt.env)
			e := newChargerEndpoint(t, func(e *chargerEndpoint) { e.wantPassword = "s3cret" })
			args := append([]string{"--id", "c7", "--url", e.url(), "--soc", "50", "--interval", "1ms"}, tt.args...)
			_, stderr, err := runChargerT(t, args, "")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err: got %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("runCharger: %v\n%s", err, stderr)
			}
			if got, want := e.users, []string{tt.wantUser}; !slices.Equal(got, want) {
				t.Errorf("users: got %q, want %q", got, want)
			}
		})
	}
}

func TestChargerReconnects(t *testing.T) {
	fastMocks(t)
	tests := []struct {
		name  string
		setup func(*chargerEndpoint)
		args  []string
		// the readings the last connection must carry, in order
		want []string
	}{
		{
			name:  "first handshake refused",
			setup: func(e *chargerEndpoint) { e.refuseFirst = http.StatusServiceUnavailable },
			args:  []string{"--soc", "10,50,80"},
			want:  []string{"10", "50", "80"},
		},
		{
			name:  "server shutting down",
			setup: func(e *chargerEndpoint) { e.closeFirst = "server shutting down" },
			args:  []string{"--soc", "10,50,80", "--ack"},
			want:  []string{"10", "50", "80"},
		},
		{
			name:  "first connection dropped after a reading",
			setup: func(e *chargerEndpoint) { e.dropFirstAt = 1 },
			args:  []string{"--soc", "10,50,80", "--ack"},
			want:  []string{"10", "50", "80"}, // the unacked 10 is re-sent, then the script resumes
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newChargerEndpoint(t, tt.setup)
			args := append([]string{"--id", "c7", "--url", e.url(), "--interval", "20ms"}, tt.args...)
			_, stderr, err := runChargerT(t, args, "")
			if err != nil {
				t.Fatalf("runCharger: %v\n%s", err, stderr)
			}
			if !strings.Contains(stderr, "retrying in") {
				t.Errorf("stderr does not show the retry:\n%s", stderr)
			}
			conns := e.frames()
			if len(conns) < 1 {
				t.Fatalf("no connection made; stderr:\n%s", stderr)
			}
			checkFor(t, 5*time.Second, func() bool { return len(e.frames()[len(conns)-1]) >= len(tt.want) })
			last := e.frames()[len(conns)-1]
			var got []string
			for _, f := range last {
				var v struct {
					Data struct {
						SoC json.Number `json:"soc"`
					} `json:"data"`
				}
				if err := json.Unmarshal([]byte(f), &v); err != nil {
					t.Fatalf("frame %s: %v", f, err)
				}
				got = append(got, v.Data.SoC.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("readings on the last connection: got %q, want %q\nstderr:\n%s", got, tt.want, stderr)
			}
		})
	}
}

func TestChargerReplacedStops(t *testing.T) {
	fastMocks(t)
	e := newChargerEndpoint(t, func(e *chargerEndpoint) { e.closeFirst = "replaced by a newer connection" })
	_, _, err := runChargerT(t, []string{"--id", "c7", "--url", e.url(), "--soc", "10,50", "--interval", "20ms"}, "")
	if err == nil || !strings.Contains(err.Error(), "replaced by a newer connection") {
		t.Fatalf("err: got %v, want the replacement reason", err)
	}
	if got := len(e.frames()); got != 1 {
		t.Errorf("connections: got %d, want 1 (no reconnect)", got)
	}
}

func TestChargerInteractive(t *testing.T) {
	fastMocks(t)
	tests := []struct {
		name    string
		stdin   string
		args    []string
		want    []string
		wantOut []string
	}{
		{"menu and number", "2\n55\nq\n", nil, []string{socFrameText("10"), socFrameText("55")}, []string{chargerMenu, "sent soc 10\n", "sent soc 55\n"}},
		{"EOF quits", "5\n3%\n", nil, []string{socFrameText("100"), socFrameText("3")}, nil},
		{"bad input is skipped", "abc\n101\n\n4\nquit\n", nil, []string{socFrameText("80")}, []string{`"abc" is not a number from 0 to 100`, `"101" is not a number`}},
		{"server errors are shown", "42\nq\n", nil, []string{socFrameText("42")}, []string{"server error rate_limited: too many readings; slow down\n"}},
		{"acks are shown", "1\nq\n", []string{"--ack"}, nil, []string{"ack c7-", "(soc 5)\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newChargerEndpoint(t, func(e *chargerEndpoint) { e.errorFor = 42 })
			args := append([]string{"--id", "c7", "--url", e.url()}, tt.args...)
			stdout, stderr, err := runChargerT(t, args, tt.stdin)
			if err != nil {
				t.Fatalf("runCharger: %v\n%s", err, stderr)
			}
			if tt.want != nil {
				checkFor(t, 5*time.Second, func() bool { return len(e.allFrames()) >= len(tt.want) })
				if got := e.allFrames(); !slices.Equal(got, tt.want) {
					t.Errorf("frames:\ngot  %q\nwant %q", got, tt.want)
				}
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
		})
	}
}

func TestChargerFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"soc out of range", []string{"--soc", "10,101"}},
		{"soc not a number", []string{"--soc", "ten"}},
		{"bad id", []string{"--id", "c/1"}},
		{"repeat without a script", []string{"--repeat"}},
		{"bad url", []string{"--url", "ftp://x"}},
		{"stray argument", []string{"extra"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runCharger(context.Background(), tt.args, strings.NewReader(""), io.Discard, io.Discard)
			if err != errUsage {
				t.Errorf("err: got %v, want errUsage", err)
			}
		})
	}
}

func TestParseSoC(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0", 0, true}, {"55", 55, true}, {" 79.9 ", 79.9, true}, {"100", 100, true}, {"3%", 3, true},
		{"101", 0, false}, {"-1", 0, false}, {"NaN", 0, false}, {"abc", 0, false}, {"", 0, false}, {"1e999", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSoC(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("parseSoC(%q): got %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

func FuzzParseSoC(f *testing.F) {
	for _, s := range []string{"0", "55", "79.9", "100", "3%", "101", "-1", "abc", "1e999", "NaN", "Inf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseSoC(s)
		if err == nil && !(v >= 0 && v <= 100) {
			t.Errorf("parseSoC(%q) = %v, outside 0..100", s, v)
		}
	})
}

func TestBackoff(t *testing.T) {
	b := &backoff{min: 250 * time.Millisecond, max: 10 * time.Second}
	base := []time.Duration{250, 500, 1000, 2000, 4000, 8000, 10000, 10000}
	for i, ms := range base {
		want := ms * time.Millisecond
		got := b.next()
		if got < want*8/10 || got > want*12/10 {
			t.Errorf("attempt %d: got %s, want %s ± 20%%", i+1, got, want)
		}
		if b.attempt != i+1 {
			t.Errorf("attempt: got %d, want %d", b.attempt, i+1)
		}
	}
	b.reset()
	if got := b.next(); got > 300*time.Millisecond {
		t.Errorf("after reset: got %s, want about 250ms", got)
	}
}

// widgetEndpoint serves widgets: each connection gets the frames of its
// turn (conns[i] for the i-th connection; the last one repeats), then is
// kept open; a nil turn drops the connection at once.
func widgetEndpoint(tb testing.TB, conns ...[]string) string {
	tb.Helper()
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		mu.Lock()
		frames := conns[min(n, len(conns)-1)]
		n++
		mu.Unlock()
		if frames == nil {
			return
		}
		for _, f := range frames {
			typ := websocket.TextMessage
			if f == "<binary>" {
				typ = websocket.BinaryMessage
			}
			if err := ws.WriteMessage(typ, []byte(f)); err != nil {
				return
			}
		}
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}))
	tb.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/widgets"
}

func statusFrame(event, status string) string {
	return `{"event":"` + event + `","data":{"status":"` + status + `"}}`
}

func TestWidget(t *testing.T) {
	fastMocks(t)
	tests := []struct {
		name       string
		args       []string
		conns      [][]string
		wantStatus string // the one status line (plain) or banner label
		wantWarn   []string
		wantRetry  bool
	}{
		{
			name:       "status",
			args:       []string{"--plain"},
			conns:      [][]string{{statusFrame("StateOfCharge", "charging80")}},
			wantStatus: "charging80",
		},
		{
			name:       "unknown event is a warning",
			args:       []string{"--plain"},
			conns:      [][]string{{statusFrame("Bogus", "charged"), statusFrame("StateOfCharge", "charged")}},
			wantStatus: "charged",
			wantWarn:   []string{`warning: ignoring unknown event "Bogus"`},
		},
		{
			name:       "unknown status and junk are warnings",
			args:       []string{"--plain"},
			conns:      [][]string{{statusFrame("StateOfCharge", "purple"), `not json`, `[1,2]`, `{"event":"StateOfCharge"}`, "<binary>", statusFrame("StateOfCharge", "charging")}},
			wantStatus: "charging",
			wantWarn: []string{`warning: ignoring unknown status "purple"`, "warning: ignoring a frame that is not a JSON object: not json",
				`warning: ignoring unknown status ""`, "warning: ignoring a binary frame"},
		},
		{
			name:       "custom event name",
			args:       []string{"--plain", "--event", "chargingStatus"},
			conns:      [][]string{{statusFrame("StateOfCharge", "charging"), statusFrame("chargingStatus", "charged")}},
			wantStatus: "charged",
			wantWarn:   []string{`warning: ignoring unknown event "StateOfCharge" (this widget accepts "chargingStatus")`},
		},
		{
			name:       "reconnects",
			args:       []string{"--plain"},
			conns:      [][]string{nil, {statusFrame("StateOfCharge", "charged")}},
			wantStatus: "charged",
			wantRetry:  true,
		},
		{
			name:       "banner",
			conns:      [][]string{{statusFrame("StateOfCharge", "charging80")}},
			wantStatus: "● CHARGING 80%+",
		},
	}
	line := regexp.MustCompile(`^(\S+) w1 (\S+)\n$`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := widgetEndpoint(t, tt.conns...)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var stdout, stderr testkit.SyncBuffer
			args := append([]string{"--id", "w1", "--url", url, "--once"}, tt.args...)
			if err := runWidget(ctx, args, &stdout, &stderr); err != nil {
				t.Fatalf("runWidget: %v\n%s", err, stderr.String())
			}
			if ctx.Err() != nil {
				t.Fatalf("runWidget did not stop after the first status\nstderr:\n%s", stderr.String())
			}
			out := stdout.String()
			if slices.Contains(tt.args, "--plain") {
				m := line.FindStringSubmatch(out)
				if m == nil {
					t.Fatalf("stdout: got %q, want one line <time> w1 <status>", out)
				}
				if _, err := time.Parse(time.RFC3339, m[1]); err != nil {
					t.Errorf("time %q: %v", m[1], err)
				}
				if got, want := m[2], tt.wantStatus; got != want {
					t.Errorf("status: got %q, want %q", got, want)
				}
			} else if !strings.Contains(out, tt.wantStatus) || !strings.Contains(out, "\x1b[30;43;1m") {
				t.Errorf("stdout: got %q, want a yellow banner with %q", out, tt.wantStatus)
			}
			for _, w := range tt.wantWarn {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
			if got := strings.Contains(stderr.String(), "disconnected, retrying in"); got != tt.wantRetry {
				t.Errorf("retry shown: got %v, want %v\n%s", got, tt.wantRetry, stderr.String())
			}
		})
	}
}

func TestWidgetStopsWithContext(t *testing.T) {
	fastMocks(t)
	url := widgetEndpoint(t, []string{}) // connects, never sends a status
	ctx, cancel := context.WithCancel(context.Background())
	var stderr testkit.SyncBuffer
	errc := make(chan error, 1)
	go func() { errc <- runWidget(ctx, []string{"--url", url, "--plain"}, io.Discard, &stderr) }()
	checkFor(t, 5*time.Second, func() bool { return strings.Contains(stderr.String(), "connected as widget") })
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("runWidget: got %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("runWidget did not return after cancel")
	}
}

func FuzzWidgetFrame(f *testing.F) {
	for _, s := range []string{
		statusFrame("StateOfCharge", "charging"), statusFrame("StateOfCharge", "charged"),
		statusFrame("chargingStatus", "charging80"), `{"event":"StateOfCharge","data":null}`,
		`{"event":"StateOfCharge","data":{"status":7}}`, `[]`, `null`, `{`,
	} {
		f.Add([]byte(s))
	}
	w := &widgetMock{opt: widgetOptions{id: "w1", event: "StateOfCharge"}, out: io.Discard, log: io.Discard, width: 40}
	f.Fuzz(func(t *testing.T, b []byte) {
		w.handle(b, time.Unix(0, 0))
	})
}
