package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/chargebooth/chargebooth/domain"
)

// chargerMenu is the interactive charger's prompt.
const chargerMenu = "1) 5%  2) 10%  3) 40%  4) 80%  5) 100%  or type a number 0-100, q to quit"

// menuSoC maps the menu choices to readings; "3%" sends a literal 3.
var menuSoC = map[string]float64{"1": 5, "2": 10, "3": 40, "4": 80, "5": 100}

// chargerPasswordEnv holds the charger password when --password is not given.
const chargerPasswordEnv = "CHARGEBOOTH_CHARGER_PASSWORD"

// chargerOptions are the flags of `chargebooth charger`.
type chargerOptions struct {
	id, url        string
	user, password string
	script         socList
	interval       time.Duration
	repeat, ack    bool
}

// socList is the --soc flag: comma-separated readings 0–100.
type socList []float64

func (l *socList) String() string {
	parts := make([]string, len(*l))
	for i, v := range *l {
		parts[i] = strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strings.Join(parts, ",")
}

func (l *socList) Set(s string) error {
	var out socList
	for _, p := range strings.Split(s, ",") {
		v, err := parseSoC(p)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	*l = out
	return nil
}

// parseSoC parses one reading: a number 0–100, optionally followed by %.
func parseSoC(s string) (float64, error) {
	return domain.ParseSoC(strings.TrimSuffix(strings.TrimSpace(s), "%"))
}

func parseChargerFlags(args []string, stderr io.Writer) (chargerOptions, error) {
	var o chargerOptions
	fs := flag.NewFlagSet("chargebooth charger", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.id, "id", "c1234", "charger id")
	fs.StringVar(&o.url, "url", "ws://localhost:3100/chargers", "charger endpoint; the id is appended as a path element")
	fs.Var(&o.script, "soc", "scripted: send these readings in turn, e.g. 10,50,80,100 (default: interactive)")
	fs.DurationVar(&o.interval, "interval", time.Second, "scripted: time between readings")
	fs.BoolVar(&o.repeat, "repeat", false, "scripted: loop the script forever")
	fs.BoolVar(&o.ack, "ack", false, "send readings with an id and show the server's Ack")
	fs.StringVar(&o.user, "user", "", "HTTP Basic user for servers run with --charger-auth (default: the charger id)")
	fs.StringVar(&o.password, "password", "", "HTTP Basic password (env "+chargerPasswordEnv+")")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: chargebooth charger [flags]\n\n"+
			"A charger mock. Interactive by default (%s);\nscripted with --soc.\n\nflags:\n", chargerMenu)
		fs.PrintDefaults()
	}
	if err := parseFlagSet(fs, args); err != nil {
		return o, err
	}
	if err := domain.ValidateDeviceID("charger", o.id); err != nil {
		fmt.Fprintln(stderr, err)
		return o, errUsage
	}
	if o.interval < 0 {
		fmt.Fprintln(stderr, "--interval must not be negative")
		return o, errUsage
	}
	if o.repeat && len(o.script) == 0 {
		fmt.Fprintln(stderr, "--repeat needs --soc")
		return o, errUsage
	}
	if o.password == "" {
		o.password = os.Getenv(chargerPasswordEnv)
	}
	if o.user == "" && o.password != "" {
		o.user = o.id
	}
	return o, nil
}

// parseFlagSet parses a mock's flags, mapping a bad command line to
// errUsage (the flag package has already said why).
func parseFlagSet(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return errUsage
	}
	return nil
}

// deviceURL appends the device id to the endpoint as one path element.
func deviceURL(base, id string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("--url %q: %w", base, err)
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("--url %q: want ws:// or wss://", base)
	}
	return u.JoinPath(id).String(), nil
}

// runCharger runs `chargebooth charger [flags]`; args excludes the subcommand name.
func runCharger(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	o, err := parseChargerFlags(args, stderr)
	if err != nil {
		return err
	}
	target, err := deviceURL(o.url, o.id)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	m := &chargerMock{
		opt:    o,
		target: target,
		header: http.Header{},
		out:    stdout,
		log:    stderr,
		runTag: strconv.FormatInt(time.Now().UnixMilli(), 36),
		bo:     newBackoff(),
	}
	if o.user != "" || o.password != "" {
		m.header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(o.user+":"+o.password)))
	}
	var lines <-chan string
	if len(o.script) == 0 {
		stop := make(chan struct{})
		defer close(stop)
		lines = readLines(stdin, stop)
		fmt.Fprintln(stdout, chargerMenu)
	}
	return m.run(ctx, lines)
}

// readLines feeds stdin to a channel, closed on EOF, until stop closes.
func readLines(r io.Reader, stop <-chan struct{}) <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			select {
			case ch <- sc.Text():
			case <-stop:
				return
			}
		}
	}()
	return ch
}

// socReading is one StateOfCharge the mock sends; id is set with --ack.
type socReading struct {
	id  string
	soc float64
}

// socFrame is the simple-protocol reading frame.
type socFrame struct {
	Event string `json:"event"`
	ID    string `json:"id,omitempty"`
	Data  struct {
		SoC float64 `json:"soc"`
	} `json:"data"`
}

func (r socReading) frame() []byte {
	f := socFrame{Event: "StateOfCharge", ID: r.id}
	f.Data.SoC = r.soc
	b, _ := json.Marshal(f)
	return b
}

func (r socReading) String() string {
	s := "soc " + strconv.FormatFloat(r.soc, 'f', -1, 64)
	if r.id != "" {
		s += " (id " + r.id + ")"
	}
	return s
}

// chargerMock is one running charger mock. Only run's goroutine touches it.
type chargerMock struct {
	opt      chargerOptions
	target   string
	header   http.Header
	out, log io.Writer
	runTag   string // makes --ack ids unique per run, so a restart is not deduplicated
	seq      int
	pending  []socReading // not written yet, in order
	unacked  []socReading // written with an id, Ack awaited; re-sent after a reconnect
	bo       *backoff
}

func (m *chargerMock) newReading(soc float64) socReading {
	r := socReading{soc: soc}
	if m.opt.ack {
		m.seq++
		r.id = fmt.Sprintf("%s-%s-%d", m.opt.id, m.runTag, m.seq)
	}
	return r
}

// run drives the connection, the script or the typed lines, and the
// reconnects until the script is done, the user quits or ctx ends.
func (m *chargerMock) run(ctx context.Context, lines <-chan string) error {
	var (
		conn      *chargerConn
		retry     *time.Timer
		deadline  <-chan time.Time
		finishing bool
		scriptPos int
		scriptDue time.Time // when the next script reading is due
	)
	scripted := len(m.opt.script) > 0
	defer func() {
		if retry != nil {
			retry.Stop()
		}
		if conn != nil {
			conn.close()
		}
	}()
	finish := func() {
		if !finishing {
			finishing = true
			deadline = time.After(ackWait)
		}
	}
	drop := func(why string) {
		conn.close()
		conn = nil
		d := m.bo.next()
		fmt.Fprintf(m.log, "disconnected, retrying in %s (attempt %d): %s\n", fmtDelay(d), m.bo.attempt, why)
		retry = time.NewTimer(d)
	}
	for {
		if conn == nil && finishing && len(m.pending)+len(m.unacked) == 0 {
			return nil
		}
		if conn == nil && retry == nil {
			fmt.Fprintf(m.log, "connecting to %s\n", m.target)
			ws, err := dialWS(ctx, m.target, m.header)
			if ctx.Err() != nil {
				return nil
			}
			var fatal *fatalDialError
			switch {
			case errors.As(err, &fatal):
				return err
			case err != nil:
				d := m.bo.next()
				fmt.Fprintf(m.log, "cannot connect, retrying in %s (attempt %d): %v\n", fmtDelay(d), m.bo.attempt, err)
				retry = time.NewTimer(d)
			default:
				m.bo.reset()
				conn = newChargerConn(ws)
				fmt.Fprintf(m.log, "connected as charger %s\n", m.opt.id)
				m.pending = append(m.unacked, m.pending...)
				m.unacked = nil
			}
		}
		if conn != nil {
			if err := m.flush(conn); err != nil {
				drop(err.Error())
				continue
			}
			if finishing && len(m.unacked) == 0 {
				conn.finish(m.handleFrame)
				conn = nil
				return nil
			}
		}
		var retryC, scriptC <-chan time.Time
		if retry != nil {
			retryC = retry.C
		}
		var scriptTimer *time.Timer
		if conn != nil && scripted && !finishing {
			scriptTimer = time.NewTimer(time.Until(scriptDue))
			scriptC = scriptTimer.C
		}
		var frames <-chan []byte
		var done <-chan struct{}
		if conn != nil {
			frames, done = conn.frames, conn.done
		}
		select {
		case <-ctx.Done():
			return nil
		case <-retryC:
			retry = nil
		case <-scriptC:
			m.pending = append(m.pending, m.newReading(m.opt.script[scriptPos]))
			scriptPos++
			scriptDue = time.Now().Add(m.opt.interval)
			if scriptPos == len(m.opt.script) {
				if m.opt.repeat {
					scriptPos = 0
				} else {
					finish()
				}
			}
		case b := <-frames:
			m.handleFrame(b)
		case <-done:
			if replaced(conn.err) {
				return fmt.Errorf("charger %s: %s; not reconnecting", m.opt.id, describeDrop(conn.err))
			}
			drop(describeDrop(conn.err))
		case line, ok := <-lines:
			if !ok {
				lines = nil
				finish()
				break
			}
			if m.handleLine(line) {
				finish()
			}
			if conn == nil && len(m.pending) > 0 && !finishing {
				fmt.Fprintf(m.out, "not connected: %d reading(s) queued\n", len(m.pending))
			}
		case <-deadline:
			fmt.Fprintf(m.log, "giving up: %d reading(s) not sent, %d not acknowledged\n", len(m.pending), len(m.unacked))
			return nil
		}
		if scriptTimer != nil {
			scriptTimer.Stop()
		}
	}
}

// flush writes the pending readings in order; a reading leaves the queue
// only once written.
func (m *chargerMock) flush(c *chargerConn) error {
	for len(m.pending) > 0 {
		r := m.pending[0]
		c.ws.SetWriteDeadline(time.Now().Add(writeWait))
		if err := c.ws.WriteMessage(websocket.TextMessage, r.frame()); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		m.pending = m.pending[1:]
		if r.id != "" {
			m.unacked = append(m.unacked, r)
		}
		fmt.Fprintf(m.out, "sent %s\n", r)
	}
	return nil
}

// handleLine turns one typed line into a queued reading; it reports
// whether the user asked to quit.
func (m *chargerMock) handleLine(line string) (quit bool) {
	s := strings.TrimSpace(line)
	switch strings.ToLower(s) {
	case "":
		return false
	case "q", "quit", "exit":
		return true
	}
	soc, ok := menuSoC[s]
	if !ok {
		v, err := parseSoC(s)
		if err != nil {
			fmt.Fprintf(m.out, "%v\n%s\n", err, chargerMenu)
			return false
		}
		soc = v
	}
	m.pending = append(m.pending, m.newReading(soc))
	return false
}

// serverFrame is what a charger receives: Ack, Error, or anything else.
type serverFrame struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
}

// handleFrame prints the server's answer and settles acknowledged readings.
func (m *chargerMock) handleFrame(b []byte) {
	var f serverFrame
	if err := json.Unmarshal(b, &f); err != nil {
		fmt.Fprintf(m.out, "server sent a frame that is not JSON: %s\n", clipText(b))
		return
	}
	switch f.Event {
	case "Ack":
		var d struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(f.Data, &d)
		for i, r := range m.unacked {
			if r.id == d.ID {
				m.unacked = append(m.unacked[:i:i], m.unacked[i+1:]...)
				fmt.Fprintf(m.out, "ack %s (soc %s)\n", d.ID, strconv.FormatFloat(r.soc, 'f', -1, 64))
				return
			}
		}
		fmt.Fprintf(m.out, "ack %s\n", d.ID)
	case "Error":
		var d struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(f.Data, &d)
		fmt.Fprintf(m.out, "server error %s: %s\n", d.Code, d.Message)
	default:
		fmt.Fprintf(m.out, "server: %s\n", clipText(b))
	}
}

// describeDrop explains why a socket ended, with the server's close reason.
func describeDrop(err error) string {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		if ce.Text != "" {
			return fmt.Sprintf("server closed the connection (%d %s)", ce.Code, ce.Text)
		}
		return fmt.Sprintf("server closed the connection (%d)", ce.Code)
	}
	if err == nil {
		return "connection closed"
	}
	return err.Error()
}

// replaced reports whether the server closed the socket because another
// device connected with the same id; reconnecting would only take the id
// back and forth.
func replaced(err error) bool {
	var ce *websocket.CloseError
	return errors.As(err, &ce) && strings.Contains(ce.Text, "replaced")
}

// clipText shortens a frame for printing.
func clipText(b []byte) string {
	const limit = 200
	if len(b) > limit {
		return string(b[:limit]) + "…"
	}
	return string(b)
}

// chargerConn is one charger socket with its reader goroutine; the run
// loop is its only writer.
type chargerConn struct {
	ws     *websocket.Conn
	frames chan []byte   // text frames from the server
	done   chan struct{} // closed when the reader stops; err says why
	quit   chan struct{} // closed by close
	err    error
}

func newChargerConn(ws *websocket.Conn) *chargerConn {
	c := &chargerConn{ws: ws, frames: make(chan []byte), done: make(chan struct{}), quit: make(chan struct{})}
	go c.read()
	return c
}

func (c *chargerConn) read() {
	defer close(c.done)
	for {
		typ, b, err := c.ws.ReadMessage()
		if err != nil {
			c.err = err
			return
		}
		if typ != websocket.TextMessage {
			b = []byte(fmt.Sprintf("(a binary frame of %d bytes)", len(b)))
		}
		select {
		case c.frames <- b:
		case <-c.quit:
			// closing: keep draining until the close handshake ends, so
			// the socket is not reset under data the server still reads
		}
	}
}

// finish says goodbye and, until the server answers the close or
// closeWait passes, still hands late frames (an Error for the last
// reading) to handle; then it closes the socket.
func (c *chargerConn) finish(handle func([]byte)) {
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye")
	if err := c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(writeWait)); err == nil {
		t := time.NewTimer(closeWait)
		defer t.Stop()
	wait:
		for {
			select {
			case b := <-c.frames:
				handle(b)
			case <-c.done:
				break wait
			case <-t.C:
				break wait
			}
		}
	}
	close(c.quit)
	c.ws.Close()
}

// close says goodbye and closes the socket; safe to call more than once.
func (c *chargerConn) close() {
	select {
	case <-c.quit:
		return
	default:
	}
	close(c.quit)
	select {
	case <-c.done: // the server is gone already
		c.ws.Close()
	default:
		closeWS(c.ws, c.done)
	}
}
