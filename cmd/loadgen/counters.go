package main

import (
	"sync"
	"sync/atomic"
)

// counters are the totals of one run, updated by every socket goroutine.
type counters struct {
	sent         atomic.Uint64 // readings written to a charger socket
	delivered    atomic.Uint64 // readings whose status a widget received
	acked        atomic.Uint64 // Ack frames received by chargers
	answered     atomic.Uint64 // Ack and Error frames received by chargers
	skipped      atomic.Uint64 // readings passed over by a later status: lost
	wrong        atomic.Uint64 // delivered readings with the wrong status
	extra        atomic.Uint64 // statuses with no reading outstanding
	initial      atomic.Uint64 // on-connect statuses, ignored
	badFrames    atomic.Uint64 // frames that are not JSON
	serverErrors atomic.Uint64 // Error frames received
	connectErr   atomic.Uint64 // failed dials
	disconnects  atomic.Uint64 // sockets the server closed during the run
	writeErrors  atomic.Uint64 // readings that could not be written

	outstanding  atomic.Int64 // readings sent and not yet delivered or skipped
	lastDelivery atomic.Int64 // run clock of the latest delivery

	codesMu sync.Mutex
	codes   map[string]uint64 // Error frames by code; guarded by codesMu
}

// serverError counts one Error frame with the given code.
func (c *counters) serverError(code string) {
	c.serverErrors.Add(1)
	if code == "" {
		code = "(none)"
	}
	c.codesMu.Lock()
	defer c.codesMu.Unlock()
	if c.codes == nil {
		c.codes = make(map[string]uint64)
	}
	c.codes[code]++
}

// errorCodes returns a copy of the Error frames by code, nil for none.
func (c *counters) errorCodes() map[string]uint64 {
	c.codesMu.Lock()
	defer c.codesMu.Unlock()
	if len(c.codes) == 0 {
		return nil
	}
	out := make(map[string]uint64, len(c.codes))
	for k, v := range c.codes {
		out[k] = v
	}
	return out
}

// noteDelivery counts a delivery at run clock now.
func (c *counters) noteDelivery(now int64) {
	c.delivered.Add(1)
	c.outstanding.Add(-1)
	for {
		last := c.lastDelivery.Load()
		if now <= last || c.lastDelivery.CompareAndSwap(last, now) {
			return
		}
	}
}
