package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// Reconnect and shutdown knobs of the device mocks. Tests shrink them.
var (
	backoffMin = 250 * time.Millisecond // first reconnect delay
	backoffMax = 10 * time.Second       // the delay stops doubling here
	ackWait    = 2 * time.Second        // how long a finishing charger waits for outstanding acks
	closeWait  = time.Second            // how long to wait for the server's close frame
	dialWait   = 5 * time.Second        // WebSocket handshake timeout
	writeWait  = 5 * time.Second        // deadline of one frame write
)

// backoff yields reconnect delays: backoffMin doubling up to backoffMax,
// each with ±20 % jitter so that a booth full of mocks does not reconnect
// in lockstep after a server restart.
type backoff struct {
	min, max time.Duration
	cur      time.Duration
	attempt  int
}

func newBackoff() *backoff { return &backoff{min: backoffMin, max: backoffMax} }

// next returns the delay before the next attempt and counts the attempt.
func (b *backoff) next() time.Duration {
	switch {
	case b.cur == 0:
		b.cur = b.min
	case b.cur < b.max:
		b.cur = min(2*b.cur, b.max)
	}
	b.attempt++
	span := int64(b.cur) * 2 / 5 // jitter over ±20 %
	if span <= 0 {
		return b.cur
	}
	return b.cur - time.Duration(span/2) + time.Duration(rand.Int64N(span+1))
}

// reset starts over after a successful connection.
func (b *backoff) reset() { b.cur, b.attempt = 0, 0 }

// fatalDialError is a handshake the server refused for a reason retrying
// will not fix (a bad id, wrong credentials, a wrong path).
type fatalDialError struct {
	status int
	body   string
}

func (e *fatalDialError) Error() string {
	msg := fmt.Sprintf("server refused the connection: %d %s", e.status, http.StatusText(e.status))
	if e.body != "" {
		msg += ": " + e.body
	}
	return msg
}

// dialWS opens a WebSocket. A 4xx answer other than 408 and 429 is a
// *fatalDialError; anything else is worth retrying.
func dialWS(ctx context.Context, url string, header http.Header) (*websocket.Conn, error) {
	d := websocket.Dialer{HandshakeTimeout: dialWait, Proxy: http.ProxyFromEnvironment}
	conn, resp, err := d.DialContext(ctx, url, header)
	if err == nil {
		return conn, nil
	}
	if resp != nil && errors.Is(err, websocket.ErrBadHandshake) {
		var body string
		if resp.Body != nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			body = strings.TrimSpace(string(b))
		}
		code := resp.StatusCode
		if code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests {
			return nil, &fatalDialError{status: code, body: body}
		}
		if body != "" {
			return nil, fmt.Errorf("handshake: %d %s: %s", code, http.StatusText(code), body)
		}
		return nil, fmt.Errorf("handshake: %d %s", code, http.StatusText(code))
	}
	return nil, err
}

// closeWS says goodbye with a normal closure, waits up to closeWait for
// the reader (done) to see the server's answer, then closes the socket.
func closeWS(conn *websocket.Conn, done <-chan struct{}) {
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye")
	if err := conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(writeWait)); err == nil && done != nil {
		t := time.NewTimer(closeWait)
		select {
		case <-done:
		case <-t.C:
		}
		t.Stop()
	}
	conn.Close()
}

// fmtDelay prints a reconnect delay to the millisecond.
func fmtDelay(d time.Duration) string { return d.Round(time.Millisecond).String() }

// sleepCtx waits d or until ctx ends; it reports whether the full d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
