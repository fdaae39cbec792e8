package main

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// maxLogged is how many errors of one kind a run logs one by one.
const maxLogged = 5

// newDialer returns a dialer with small buffers, so that tens of thousands
// of sockets fit in one process (16,000 sockets hold about 16 MiB of
// buffers). Each socket keeps its write buffer rather than borrowing one
// from a pool, so that a reading costs no allocation.
func newDialer() *websocket.Dialer {
	return &websocket.Dialer{
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   512,
		WriteBufferSize:  512,
	}
}

// dialAll connects base/id for every id, at most cfg.ConnectConcurrency at
// a time and, with a ramp, at most cfg.Ramp sockets a second in all. A
// failed dial leaves nil in its place and is counted.
func (r *runner) dialAll(ctx context.Context, base string, ids []string) []*websocket.Conn {
	base = strings.TrimSuffix(base, "/")
	conns := make([]*websocket.Conn, len(ids))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(r.cfg.ConnectConcurrency, len(ids)) {
		wg.Go(func() {
			for i := range next {
				conns[i] = r.dial(ctx, base+"/"+ids[i])
			}
		})
	}
	defer func() {
		close(next)
		wg.Wait()
	}()
	for i := range ids {
		if r.ramp != nil {
			select {
			case <-r.ramp:
			case <-ctx.Done():
				return conns
			}
		}
		select {
		case next <- i:
		case <-ctx.Done():
			return conns
		}
	}
	return conns
}

// dial connects one socket; it returns nil and counts the error when it
// cannot.
func (r *runner) dial(ctx context.Context, url string) *websocket.Conn {
	c, resp, err := r.dialer.DialContext(ctx, url, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		if r.c.connectErr.Add(1) <= maxLogged {
			r.log.Warn("connect", "url", url, "err", err)
		}
		return nil
	}
	c.SetReadLimit(readLimit)
	return c
}

// connect dials every widget, then every charger, and starts a reader for
// each socket. Widgets come first so that none misses a status. Pairs
// with a side that did not connect are closed and left out; connect
// returns the pairs that are complete.
func (r *runner) connect(ctx context.Context) []*pair {
	widgetIDs := make([]string, len(r.pairs))
	chargerIDs := make([]string, len(r.pairs))
	for i, p := range r.pairs {
		widgetIDs[i], chargerIDs[i] = p.widgetID, p.chargerID
	}
	widgets := r.dialAll(ctx, r.cfg.WidgetsURL, widgetIDs)
	for i, p := range r.pairs {
		p.widget = widgets[i]
		if p.widget != nil {
			r.readers.Add(1)
			go r.readWidget(p)
		}
	}
	chargers := r.dialAll(ctx, r.cfg.ChargersURL, chargerIDs)
	var active []*pair
	for i, p := range r.pairs {
		p.charger = chargers[i]
		if p.charger != nil {
			r.readers.Add(1)
			go r.readCharger(p)
		}
		if p.charger != nil && p.widget != nil {
			active = append(active, p)
		} else {
			p.dead.Store(true)
		}
	}
	return active
}

// closeAll says goodbye on every socket and waits for the readers to end;
// it may be called more than once.
func (r *runner) closeAll() {
	r.closeOnce.Do(r.closeSockets)
}

// closeSockets closes every socket and waits for the readers to end.
func (r *runner) closeSockets() {
	r.closing.Store(true)
	bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "loadgen done")
	for _, p := range r.pairs {
		for _, c := range []*websocket.Conn{p.charger, p.widget} {
			if c == nil {
				continue
			}
			_ = c.WriteControl(websocket.CloseMessage, bye, time.Now().Add(100*time.Millisecond))
			_ = c.Close()
		}
	}
	r.readers.Wait()
}
