package main

import (
	"io"

	"github.com/gorilla/websocket"
)

// readLimit is the largest frame loadgen accepts from the server.
const readLimit = 64 << 10

// readFrame reads the next message of c into buf, growing it when needed,
// and returns the message. Unlike ReadMessage it allocates nothing once
// buf is large enough.
func readFrame(c *websocket.Conn, buf []byte) ([]byte, error) {
	_, rd, err := c.NextReader()
	if err != nil {
		return buf[:0], err
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf[:0], err
		}
	}
}

// readCharger reads the frames the server sends to p's charger: Acks and
// Errors.
func (r *runner) readCharger(p *pair) {
	defer r.readers.Done()
	buf := make([]byte, 0, 128)
	for {
		b, err := readFrame(p.charger, buf)
		if err != nil {
			r.lostSocket(p, "charger", err)
			return
		}
		buf = b
		f, err := decodeFrame(b)
		if err != nil {
			r.c.badFrames.Add(1)
			continue
		}
		switch f.kind {
		case eventAck:
			r.c.acked.Add(1)
			r.c.answered.Add(1)
		case eventError:
			r.c.serverError(f.code)
			r.c.answered.Add(1)
		}
	}
}

// readWidget reads the statuses the server sends to p's widget; in closed
// loop it sends the charger's next reading once the last one arrived.
func (r *runner) readWidget(p *pair) {
	defer r.readers.Done()
	buf := make([]byte, 0, 128)
	for {
		b, err := readFrame(p.widget, buf)
		if err != nil {
			r.lostSocket(p, "widget", err)
			return
		}
		buf = b
		f, err := decodeFrame(b)
		if err != nil {
			r.c.badFrames.Add(1)
			continue
		}
		switch f.kind {
		case eventStateOfCharge:
			if p.onStatus(r, f.status) && r.cfg.ClosedLoop {
				r.sendNext(p)
			}
		case eventError:
			r.c.serverError(f.code)
		}
	}
}

// lostSocket notes a socket of p that stopped reading; during the run that
// is a disconnect, and p sends no more.
func (r *runner) lostSocket(p *pair, side string, err error) {
	if r.closing.Load() {
		return
	}
	p.dead.Store(true)
	if r.c.disconnects.Add(1) <= maxLogged {
		r.log.Warn("socket closed by server", "side", side, "charger", p.chargerID, "widget", p.widgetID, "err", err)
	}
}
