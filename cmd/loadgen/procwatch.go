package main

import (
	"strconv"
	"sync"
	"time"
)

// sampleEvery is how often /proc is read during a run.
const sampleEvery = 250 * time.Millisecond

// ProcStats is what loadgen saw of one process through /proc.
type ProcStats struct {
	PID string `json:"pid"`
	// RSSBeforeBytes is the RSS before the first socket connected.
	RSSBeforeBytes uint64 `json:"rssBeforeBytes"`
	// RSSConnectedBytes is the RSS once every socket connected, before load.
	RSSConnectedBytes uint64 `json:"rssConnectedBytes"`
	// RSSMaxBytes is the largest RSS sampled from before the first socket
	// connected to the end of the load (not while the sockets close).
	RSSMaxBytes uint64 `json:"rssMaxBytes"`
	// RSSEndBytes is the RSS after the load, sockets still open.
	RSSEndBytes uint64 `json:"rssEndBytes"`
	// CPUSeconds is the user + system CPU time spent during the load.
	CPUSeconds float64 `json:"cpuSeconds"`
	// CPUPercent is CPUSeconds over the load's wall time, in % of one core.
	CPUPercent float64 `json:"cpuPercent"`
	// Error is the last sampling error, if any (the process may have died).
	Error string `json:"error,omitempty"`
}

// procWatch samples one process in the background and keeps the largest RSS.
type procWatch struct {
	pid  string
	stop chan struct{}
	done chan struct{}

	closeOnce sync.Once

	mu      sync.Mutex // guards the fields below
	maxRSS  uint64
	lastErr error
}

// startProcWatch samples process pid every interval until close.
func startProcWatch(pid string, every time.Duration) *procWatch {
	w := &procWatch{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-t.C:
				w.sample()
			}
		}
	}()
	return w
}

// sample reads the process now; it returns the zero sample when it cannot.
func (w *procWatch) sample() procSample {
	s, err := readProc(w.pid)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.lastErr = err
		return procSample{}
	}
	w.maxRSS = max(w.maxRSS, s.rssBytes)
	return s
}

// close stops the background sampling.
func (w *procWatch) close() {
	w.closeOnce.Do(func() { close(w.stop) })
	<-w.done
}

// stats fills the largest RSS and the last error into st.
func (w *procWatch) stats(st *ProcStats) {
	w.mu.Lock()
	defer w.mu.Unlock()
	st.PID = w.pid
	st.RSSMaxBytes = w.maxRSS
	if w.lastErr != nil {
		st.Error = w.lastErr.Error()
	}
}

// cpuBetween fills the CPU time and share between two samples taken wall
// apart into st.
func cpuBetween(st *ProcStats, from, to procSample, wall time.Duration) {
	if to.cpuTicks < from.cpuTicks || wall <= 0 {
		return
	}
	st.CPUSeconds = float64(to.cpuTicks-from.cpuTicks) / clockTicks
	st.CPUPercent = 100 * st.CPUSeconds / wall.Seconds()
}

// watches are the processes a run samples: the server of --pid, if any,
// and loadgen itself.
type watches struct {
	server, self     *procWatch
	srv, own         ProcStats
	srvFrom, ownFrom procSample // at the start of the load
}

// startWatches starts sampling loadgen and, when pid > 0, the server, and
// takes the RSS before any socket connects.
func startWatches(pid int) *watches {
	w := &watches{self: startProcWatch("self", sampleEvery)}
	if pid > 0 {
		w.server = startProcWatch(strconv.Itoa(pid), sampleEvery)
		w.srv.RSSBeforeBytes = w.server.sample().rssBytes
	}
	w.own.RSSBeforeBytes = w.self.sample().rssBytes
	return w
}

// markConnected takes the RSS with every socket connected, which is also
// where the CPU time of the load starts.
func (w *watches) markConnected() {
	if w.server != nil {
		w.srvFrom = w.server.sample()
		w.srv.RSSConnectedBytes = w.srvFrom.rssBytes
	}
	w.ownFrom = w.self.sample()
	w.own.RSSConnectedBytes = w.ownFrom.rssBytes
}

// markLoaded takes the RSS after the load and the CPU time the load took
// over wall, and ends the sampling: the largest RSS is the load's, not
// that of the closing handshakes of every socket that follow.
func (w *watches) markLoaded(wall time.Duration) {
	if w.server != nil {
		to := w.server.sample()
		w.srv.RSSEndBytes = to.rssBytes
		cpuBetween(&w.srv, w.srvFrom, to, wall)
		w.server.close()
	}
	to := w.self.sample()
	w.own.RSSEndBytes = to.rssBytes
	cpuBetween(&w.own, w.ownFrom, to, wall)
	w.self.close()
}

// stop ends the sampling and puts what was seen into res.
func (w *watches) stop(res *Result) {
	w.self.close()
	w.self.stats(&w.own)
	res.Loadgen = &w.own
	if w.server != nil {
		w.server.close()
		w.server.stats(&w.srv)
		res.Server = &w.srv
	}
}
