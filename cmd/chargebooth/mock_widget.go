package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/chargebooth/chargebooth/domain"
)

// widgetOptions are the flags of `chargebooth widget`.
type widgetOptions struct {
	id, url, event string
	key            string
	plain, once    bool
}

func parseWidgetFlags(args []string, stderr io.Writer) (widgetOptions, error) {
	var o widgetOptions
	fs := flag.NewFlagSet("chargebooth widget", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.id, "id", "wABCD", "widget id")
	fs.StringVar(&o.url, "url", "ws://localhost:3200/widgets", "widget endpoint; the id is appended as a path element")
	fs.StringVar(&o.event, "event", "StateOfCharge", "the event name this widget accepts (the Wallbox widget firmware expects chargingStatus)")
	fs.StringVar(&o.key, "key", os.Getenv("CHARGEBOOTH_WIDGET_KEY"), "the widget's key, sent in the X-Widget-Key header (serve --devices authenticated; env CHARGEBOOTH_WIDGET_KEY)")
	fs.BoolVar(&o.plain, "plain", false, "no colours: one line per status, <RFC3339 time> <widget id> <status>")
	fs.BoolVar(&o.once, "once", false, "exit after the first status")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: chargebooth widget [flags]\n\nA widget mock: shows the LED as a coloured banner.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlagSet(fs, args); err != nil {
		return o, err
	}
	if err := domain.ValidateDeviceID("widget", o.id); err != nil {
		fmt.Fprintln(stderr, err)
		return o, errUsage
	}
	return o, nil
}

// runWidget runs `chargebooth widget [flags]`.
func runWidget(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseWidgetFlags(args, stderr)
	if err != nil {
		return err
	}
	target, err := deviceURL(o.url, o.id)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	w := &widgetMock{opt: o, out: stdout, log: stderr, width: terminalWidth()}
	bo := newBackoff()
	for {
		fmt.Fprintf(stderr, "connecting to %s\n", target)
		var h http.Header
		if o.key != "" {
			h = http.Header{"X-Widget-Key": {o.key}}
		}
		ws, err := dialWS(ctx, target, h)
		if ctx.Err() != nil {
			return nil
		}
		var fatal *fatalDialError
		if errors.As(err, &fatal) {
			return err
		}
		if err != nil {
			d := bo.next()
			fmt.Fprintf(stderr, "cannot connect, retrying in %s (attempt %d): %v\n", fmtDelay(d), bo.attempt, err)
			if !sleepCtx(ctx, d) {
				return nil
			}
			continue
		}
		bo.reset()
		fmt.Fprintf(stderr, "connected as widget %s, waiting for %s\n", o.id, o.event)
		finished, err := w.serve(ctx, ws)
		if finished || ctx.Err() != nil {
			return nil
		}
		if replaced(err) {
			return fmt.Errorf("widget %s: %s; not reconnecting", o.id, describeDrop(err))
		}
		d := bo.next()
		fmt.Fprintf(stderr, "disconnected, retrying in %s (attempt %d): %s\n", fmtDelay(d), bo.attempt, describeDrop(err))
		if !sleepCtx(ctx, d) {
			return nil
		}
	}
}

// widgetMock shows what one widget receives.
type widgetMock struct {
	opt      widgetOptions
	out, log io.Writer
	width    int
}

// serve reads one connection until it drops, ctx ends, or (with --once)
// the first status was shown; finished reports the latter two, err why
// the connection ended otherwise.
func (w *widgetMock) serve(ctx context.Context, ws *websocket.Conn) (finished bool, err error) {
	stop := context.AfterFunc(ctx, func() { closeWS(ws, nil) })
	defer stop()
	defer ws.Close()
	for {
		typ, b, err := ws.ReadMessage()
		if err != nil {
			return ctx.Err() != nil, err
		}
		if typ != websocket.TextMessage {
			fmt.Fprintf(w.log, "warning: ignoring a binary frame of %d bytes\n", len(b))
			continue
		}
		if w.handle(b, time.Now()) && w.opt.once {
			closeWS(ws, nil)
			return true, nil
		}
	}
}

// ledStatuses are the statuses a widget can show, with their banners.
var ledStatuses = map[domain.Status]struct{ label, colour string }{
	domain.StatusCharging:   {"● CHARGING", "\x1b[97;41;1m"},      // white on red
	domain.StatusCharging80: {"● CHARGING 80%+", "\x1b[30;43;1m"}, // black on yellow
	domain.StatusCharged:    {"● CHARGED", "\x1b[30;42;1m"},       // black on green
}

// handle shows one frame; it reports whether it was a status. Anything
// else is a warning.
func (w *widgetMock) handle(b []byte, now time.Time) bool {
	var f struct {
		Event string          `json:"event"`
		Data  json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		fmt.Fprintf(w.log, "warning: ignoring a frame that is not a JSON object: %s\n", clipText(b))
		return false
	}
	if f.Event != w.opt.event {
		fmt.Fprintf(w.log, "warning: ignoring unknown event %q (this widget accepts %q): %s\n", f.Event, w.opt.event, clipText(b))
		return false
	}
	var d struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(f.Data, &d)
	led, ok := ledStatuses[domain.Status(d.Status)]
	if !ok {
		fmt.Fprintf(w.log, "warning: ignoring unknown status %q: %s\n", d.Status, clipText(b))
		return false
	}
	if w.opt.plain {
		fmt.Fprintf(w.out, "%s %s %s\n", now.Format(time.RFC3339), w.opt.id, d.Status)
		return true
	}
	drawBanner(w.out, led.label, led.colour, w.width)
	fmt.Fprintf(w.out, "%s  widget %s  %s\n", now.Format("2006-01-02 15:04:05"), w.opt.id, d.Status)
	return true
}

// drawBanner clears the terminal and draws a full-width block of colour
// three lines high with the label in the middle.
func drawBanner(out io.Writer, label, colour string, width int) {
	const reset = "\x1b[0m"
	n := utf8.RuneCountInString(label)
	width = max(width, n+2)
	left := (width - n) / 2
	blank := strings.Repeat(" ", width)
	var sb strings.Builder
	sb.WriteString("\x1b[H\x1b[2J") // home, clear screen
	sb.WriteString(colour + blank + reset + "\n")
	sb.WriteString(colour + strings.Repeat(" ", left) + label + strings.Repeat(" ", width-left-n) + reset + "\n")
	sb.WriteString(colour + blank + reset + "\n\n")
	io.WriteString(out, sb.String())
}

// terminalWidth is $COLUMNS, or 60.
func terminalWidth() int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 60
}
