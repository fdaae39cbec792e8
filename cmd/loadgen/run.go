package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// runner is the state of one run.
type runner struct {
	cfg    Config
	log    *slog.Logger
	dialer *websocket.Dialer
	ramp   <-chan time.Time // one tick per socket when ramping; nil otherwise
	t0     time.Time        // the run clock starts here
	tag    string           // starts every reading id of this run
	pairs  []*pair

	c    counters
	hist histogram
	tl   *timeline // per-second deliveries and worst latency (--timeline); nil when off

	loadStart, loadEnd int64 // run clock of the load phase

	sendMu    sync.RWMutex   // held for reading while a closed-loop send is under way
	sending   bool           // closed loop: delivered readings trigger the next; guarded by sendMu
	closing   atomic.Bool    // sockets are being closed on purpose
	closeOnce sync.Once      // closeAll runs once
	readers   sync.WaitGroup // one per socket
}

// record notes the latency d of a reading delivered at run time now.
func (r *runner) record(now int64, d time.Duration) {
	r.hist.record(d)
	if r.tl != nil {
		r.tl.record(now-r.loadStart, d)
	}
}

// now returns the run clock in nanoseconds.
func (r *runner) now() int64 { return int64(time.Since(r.t0)) }

// Run connects the pairs of cfg, runs the load (or, with cfg.Idle, only
// measures the memory of the connected sockets) and returns what it
// measured. It fails only when no pair could connect or the pairings could
// not be registered, or ctx ended before the load; a ctx that ends during
// the load ends it early, with a result.
func Run(ctx context.Context, cfg Config, log *slog.Logger) (Result, error) {
	if err := cfg.validate(); err != nil {
		return Result{}, err
	}
	r := &runner{cfg: cfg, log: log, dialer: newDialer(), t0: time.Now()}
	r.tag = strconv.FormatInt(r.t0.UnixNano(), 36)
	if cfg.Timeline {
		r.tl = &timeline{}
	}
	for i := range cfg.Pairs {
		r.pairs = append(r.pairs, &pair{chargerID: chargerID(cfg.Prefix, i), widgetID: widgetID(cfg.Prefix, i)})
	}
	if cfg.API != "" {
		client := &http.Client{Timeout: 10 * time.Second}
		if err := registerPairings(ctx, client, cfg.API, cfg.Token, r.pairs); err != nil {
			return Result{}, err
		}
	}
	if cfg.Ramp > 0 {
		t := time.NewTicker(time.Second / time.Duration(cfg.Ramp))
		defer t.Stop()
		r.ramp = t.C
	}

	res := Result{Mode: mode(cfg), Label: cfg.Label, Pairs: cfg.Pairs}
	if err := r.collectGarbage(ctx); err != nil {
		return Result{}, err
	}
	procs := startWatches(cfg.PID)
	connectStart := time.Now()
	active := r.connect(ctx)
	res.ConnectSeconds = time.Since(connectStart).Seconds()
	res.ActivePairs = len(active)
	if len(active) == 0 {
		r.closeAll()
		procs.stop(&res)
		return Result{}, fmt.Errorf("no pair connected (%d connect errors)", r.c.connectErr.Load())
	}
	err := sleep(ctx, cfg.Settle)
	if err == nil {
		err = r.collectGarbage(ctx)
	}
	procs.markConnected()
	if cfg.Idle {
		res.Idle = idleStats(procs.srv, 2*len(active))
	} else if err == nil {
		r.load(ctx, active, &res)
		r.drain(ctx, cfg.Grace)
		procs.markLoaded(time.Duration(r.now() - r.loadStart))
	}
	r.closeAll()
	procs.stop(&res)
	if err != nil {
		return Result{}, err
	}
	r.fill(&res, active)
	if r.tl != nil {
		r.tl.write(os.Stderr, int(time.Duration(r.c.lastDelivery.Load()-r.loadStart)/time.Second)+1)
	}
	return res, nil
}

// gcSettle is how long the server gets to return its garbage to the OS
// after --gc-url answered, before its RSS is sampled.
const gcSettle = 500 * time.Millisecond

// collectGarbage asks the server to collect its garbage (--gc-url, idle
// mode only), so the idle RSS per socket counts what the sockets keep,
// not the handshakes' garbage.
func (r *runner) collectGarbage(ctx context.Context) error {
	if r.cfg.GCURL == "" || !r.cfg.Idle {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.cfg.GCURL, nil)
	if err != nil {
		return fmt.Errorf("--gc-url: %w", err)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("--gc-url: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("--gc-url %s: %s", r.cfg.GCURL, resp.Status)
	}
	return sleep(ctx, gcSettle)
}

// mode names the mode of cfg.
func mode(cfg Config) string {
	switch {
	case cfg.Idle:
		return "idle"
	case cfg.ClosedLoop:
		return "closed-loop"
	}
	return "rate"
}

// load starts every active pair and runs the rate or closed-loop load.
func (r *runner) load(ctx context.Context, active []*pair, res *Result) {
	for _, p := range active {
		p.start()
	}
	r.loadStart = r.now()
	if r.cfg.ClosedLoop {
		r.closedLoop(ctx, active)
	} else {
		res.RatePerCharger = r.cfg.Rate
		r.paceRate(ctx, active)
	}
	r.loadEnd = r.now()
}

// fill copies the counters and the latency into res, once every socket is
// closed.
func (r *runner) fill(res *Result, active []*pair) {
	var pending uint64
	for _, p := range active {
		pending += uint64(p.outstanding())
	}
	res.Sent = r.c.sent.Load()
	res.Delivered = r.c.delivered.Load()
	res.Acked = r.c.acked.Load()
	res.Lost = r.c.skipped.Load() + pending
	res.Unexpected = r.c.wrong.Load()
	res.Extra = r.c.extra.Load()
	res.InitialStatuses = r.c.initial.Load()
	res.BadFrames = r.c.badFrames.Load()
	res.ServerErrors = r.c.serverErrors.Load()
	res.ErrorCodes = r.c.errorCodes()
	res.ConnectErrors = r.c.connectErr.Load()
	res.Disconnects = r.c.disconnects.Load()
	res.WriteErrors = r.c.writeErrors.Load()
	res.Latency = latencyStats(&r.hist)
	if r.cfg.Idle {
		return
	}
	sendPhase := time.Duration(r.loadEnd - r.loadStart)
	res.DurationSeconds = sendPhase.Seconds()
	if sendPhase > 0 {
		res.SentPerSecond = float64(res.Sent) / sendPhase.Seconds()
	}
	if span := time.Duration(r.c.lastDelivery.Load() - r.loadStart); span > 0 {
		res.DeliveredPerSecond = float64(res.Delivered) / span.Seconds()
	}
}

// idleStats returns the memory cost of sockets connected sockets from the
// server's RSS before and after they connected.
func idleStats(srv ProcStats, sockets int) *IdleStats {
	st := &IdleStats{Sockets: sockets}
	if srv.RSSBeforeBytes == 0 || srv.RSSConnectedBytes == 0 {
		return st
	}
	st.RSSDeltaBytes = int64(srv.RSSConnectedBytes) - int64(srv.RSSBeforeBytes)
	if sockets > 0 {
		st.BytesPerSocket = float64(st.RSSDeltaBytes) / float64(sockets)
	}
	return st
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return errors.Join(errors.New("interrupted"), ctx.Err())
	}
}
