package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// cutProxy forwards TCP connections to target. cut closes every
// connection it holds and holds new ones unconnected (a browser's socket
// stays "connecting", as on a network that went away) until resume.
type cutProxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	conns   map[net.Conn]bool
	held    []net.Conn
	holding bool
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() {
		_ = ln.Close()
		p.cut(false)
	})
	go p.accept()
	return p
}

func (p *cutProxy) addr() string { return p.ln.Addr().String() }

func (p *cutProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.holding {
			p.held = append(p.held, c)
			p.mu.Unlock()
			continue
		}
		p.mu.Unlock()
		go p.forward(c)
	}
}

func (p *cutProxy) forward(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	_ = c.Close()
	_ = up.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// cut closes every forwarded connection; hold keeps new ones waiting.
func (p *cutProxy) cut(hold bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
	}
	p.holding = hold
	if !hold {
		for _, c := range p.held {
			_ = c.Close()
		}
		p.held = nil
	}
}

// resume forwards the held connections and every new one.
func (p *cutProxy) resume() {
	p.mu.Lock()
	held := p.held
	p.held, p.holding = nil, false
	p.mu.Unlock()
	for _, c := range held {
		go p.forward(c)
	}
}

// netLog records the page's HTTP requests and WebSocket frames sent, in
// order.
type netLog struct {
	mu       sync.Mutex
	requests []string // "GET /api/chargers"
	sent     []string // text frames the page sent
	received []string // text frames the page received
}

func (l *netLog) listen(ev any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		if u, err := url.Parse(ev.Request.URL); err == nil {
			l.requests = append(l.requests, ev.Request.Method+" "+u.Path)
		}
	case *network.EventWebSocketFrameSent:
		l.sent = append(l.sent, ev.Response.PayloadData)
	case *network.EventWebSocketFrameReceived:
		l.received = append(l.received, ev.Response.PayloadData)
	}
}

// mark is a position in a netLog.
type mark struct{ requests, sent, received int }

func (l *netLog) mark() mark {
	l.mu.Lock()
	defer l.mu.Unlock()
	return mark{len(l.requests), len(l.sent), len(l.received)}
}

// since returns what was logged from m on.
func (l *netLog) since(m mark) (requests, sent, received []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.requests[m.requests:]...), append([]string(nil), l.sent[m.sent:]...),
		append([]string(nil), l.received[m.received:]...)
}

// TestDashboardResumesInBrowser cuts the dashboard's connection to the
// server, changes things while it is away, and lets it back: the page
// resumes the live feed from its last position (subscribe with since) and
// shows the changes, with no reload and no new REST snapshot.
func TestDashboardResumesInBrowser(t *testing.T) {
	logs := &browserLog{}
	m := startMain(t, t.TempDir())
	px := newCutProxy(t, m.HTTPURL)
	base := "http://" + px.addr()
	ctx := newBrowser(t, 60*time.Second, logs)
	nl := &netLog{}
	chromedp.ListenTarget(ctx, nl.listen)
	if err := chromedp.Run(ctx, network.Enable()); err != nil {
		t.Fatal(err)
	}

	const tile = `#tiles [data-charger="c1234"]`
	led := fmt.Sprintf(`(document.querySelector(%q) || {dataset: {}}).dataset.status || ''`, tile+" [data-led]")
	conn := `document.querySelector('#conn').dataset.state`
	if err := chromedp.Run(ctx, chromedp.Navigate(base+"/")); err != nil {
		t.Fatalf("open the dashboard: %v\nbrowser console:\n%s", err, logs)
	}
	signInWithToken(t, ctx, logs, testToken)
	waitPage(t, ctx, logs, 10*time.Second, "live feed", conn, "live")
	c := dialCharger(t, m, "c1234")
	sendSoCAcked(t, c, "r-40", "40")
	waitPage(t, ctx, logs, 10*time.Second, "LED after a reading of 40", led, "charging")
	seqText, err := pageString(ctx, `document.querySelector('#conn').dataset.seq || ''`)
	if err != nil {
		t.Fatal(err)
	}
	pos, err := strconv.ParseUint(seqText, 10, 64)
	if err != nil || pos == 0 {
		t.Fatalf("page position: got %q, want the seq of the reading", seqText)
	}
	if err := chromedp.Run(ctx, chromedp.Evaluate(`window.notReloaded = 'yes'`, nil)); err != nil {
		t.Fatal(err)
	}

	// Cut: the page loses its socket and cannot reconnect.
	px.cut(true)
	waitPage(t, ctx, logs, 10*time.Second, "feed cut", fmt.Sprintf(`String(%s !== 'live')`, conn), "true")
	cutAt := nl.mark()
	// Meanwhile: the phone charges to 80 %, then to 100 %.
	sendSoCAcked(t, c, "r-80", "85")
	sendSoCAcked(t, c, "r-100", "100")
	if got, _ := pageString(ctx, led); got != "charging" {
		t.Fatalf("LED while cut off: got %q, want charging (the page must not be reached)", got)
	}

	px.resume()
	waitPage(t, ctx, logs, 15*time.Second, "LED after resuming", led, "charged")
	waitPage(t, ctx, logs, 5*time.Second, "live again", conn, "live")
	last := lastSeq(t, m)
	waitPage(t, ctx, logs, 5*time.Second, "page position", `document.querySelector('#conn').dataset.seq`, strconv.FormatUint(last, 10))
	if got, _ := pageString(ctx, `window.notReloaded || ''`); got != "yes" {
		t.Errorf("the page was reloaded")
	}
	requests, sent, received := nl.since(cutAt)
	for _, r := range requests {
		if r == "GET /api/chargers" || r == "GET /" {
			t.Errorf("after the cut the page sent %s: it reloaded instead of resuming (requests: %v)", r, requests)
		}
	}
	want := fmt.Sprintf(`"since":%d`, pos)
	resumed := false
	for _, f := range sent {
		resumed = resumed || strings.Contains(f, `"action":"subscribe"`) && strings.Contains(f, want)
	}
	if !resumed {
		t.Errorf("frames sent after the cut: %v, want a subscribe with %s", sent, want)
	}
	// What came: the answer (recovered), each missed event once, in
	// order, the marker.
	var types []string
	next := pos + 1
	for _, f := range received {
		var msg struct {
			Type      string `json:"type"`
			Seq       uint64 `json:"seq"`
			Recovered *bool  `json:"recovered"`
		}
		if err := json.Unmarshal([]byte(f), &msg); err != nil {
			t.Fatalf("frame %s: %v", f, err)
		}
		switch {
		case msg.Type == "subscribed" || msg.Type == "recovery":
			if msg.Recovered == nil || !*msg.Recovered {
				t.Errorf("resume: got %s, want recovered", f)
			}
		case msg.Seq != next:
			t.Errorf("after the cut got seq %d (%s), want %d", msg.Seq, f, next)
		default:
			next++
		}
		types = append(types, msg.Type)
	}
	if next != last+1 || len(types) < 4 || types[0] != "subscribed" {
		t.Errorf("after the cut the page got %v up to seq %d, want subscribed, every event up to %d, recovery", types, next-1, last)
	}
	if t.Failed() {
		t.Logf("browser console:\n%s", logs)
	}
}
