package eventstore

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Causes of a full store, as Embedded.Full reports them.
var (
	// errNoSpace: the disk is full and JetStream stopped writing (a write
	// failed, or JetStream disabled itself); a publish gets no answer.
	errNoSpace = errors.New("the disk has no space left")
	// errLimit: JetStream's storage limit is reached; a publish is refused
	// at once.
	errLimit = errors.New("the storage limit is reached")
)

const (
	// minFree is the free disk space the monitor waits for before it
	// brings back a JetStream that stopped on a full disk.
	minFree = 1 << 20
	// minLimit is the smallest limit the monitor sets from the disk: a
	// limit of 0 would make nats-server pick its own.
	minLimit = 1
)

// limitFromDisk is nats-server's dynamic storage limit: three quarters of
// the free space, on top of what JetStream already holds.
func limitFromDisk(used, free int64) int64 {
	return max(used+free/4*3, minLimit)
}

// Full reports why the embedded JetStream cannot take writes for lack of
// space, or nil when it can: an error wrapping errLimit while its storage
// limit is reached, errNoSpace while a full disk stopped it. The monitor
// lifts the latter by itself once the disk has room again; raise the
// limit with SetMaxStore (or free disk space when the limit follows the
// disk) for the former. Pass it as Config.Full. A nil Embedded is never
// full.
func (e *Embedded) Full() error {
	if e == nil {
		return nil
	}
	if err := e.noSpace.Load(); err != nil {
		return *err
	}
	info, err := e.srv.Jsz(nil)
	if err != nil || info.Disabled {
		return nil
	}
	if used, limit := int64(info.Store), info.Config.MaxStore; used > limit {
		return fmt.Errorf("%w: %s of %s used", errLimit, bytesOf(used), bytesOf(limit))
	}
	return nil
}

// MaxStore returns JetStream's current storage limit in bytes (0 while
// JetStream is stopped).
func (e *Embedded) MaxStore() int64 {
	if c := e.srv.JetStreamConfig(); c != nil && e.srv.JetStreamEnabled() {
		return c.MaxStore
	}
	return 0
}

// SetMaxStore changes JetStream's storage limit without restarting the
// server: n bytes, or 0 to follow the disk again (see
// EmbeddedConfig.MaxStore). A raised limit takes effect through a reload
// of the server's options; a lowered one (which nats-server does not
// reload) restarts JetStream within the server, a pause of a moment in
// which clients' requests fail and their consumers are re-created.
// Writes refused for lack of room succeed again once the limit allows.
func (e *Embedded) SetMaxStore(n int64) error {
	if n < 0 {
		return fmt.Errorf("set max store: %d is negative", n)
	}
	e.mu.Lock()
	e.maxStore = n
	e.mu.Unlock()
	if n == 0 {
		e.check()
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.setLimit(n, "set by the operator")
}

// monitor runs check every CheckEvery until Shutdown.
func (e *Embedded) monitor() {
	defer close(e.done)
	t := time.NewTicker(e.cfg.CheckEvery)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
			e.check()
		}
	}
}

// check brings back a JetStream that a full disk stopped, once the disk
// has room again, and keeps a limit that follows the disk on it.
func (e *Embedded) check() {
	e.mu.Lock()
	defer e.mu.Unlock()
	free, known := diskFree(e.cfg.DataDir)
	room := !known || free >= minFree
	limit := func(used int64) int64 {
		switch {
		case e.maxStore > 0:
			return e.maxStore
		case !known:
			return 0 // nats-server's own
		}
		return limitFromDisk(used, free)
	}

	if !e.srv.JetStreamEnabled() {
		// JetStream disables itself when a write finds the disk full.
		if !room {
			e.setNoSpace(fmt.Errorf("%w: jetstream stopped (%s free)", errNoSpace, bytesOf(free)))
			return
		}
		if err := e.restartJetStream(limit(e.lastUsed), "jetstream had stopped; the disk has room again"); err != nil {
			e.setNoSpace(fmt.Errorf("%w: jetstream stopped and does not start again: %v", errNoSpace, err))
			return
		}
		e.setNoSpace(nil)
		return
	}
	info, err := e.srv.Jsz(nil)
	if err != nil || info.Disabled {
		return
	}
	used, cur := int64(info.Store), info.Config.MaxStore
	e.lastUsed = used

	if werr := e.writeError(); werr != "" {
		// A stream's store failed a write on a full disk: it refuses
		// every write from then on, until it is opened again.
		if !room {
			e.setNoSpace(fmt.Errorf("%w: %s", errNoSpace, werr))
			return
		}
		if err := e.restartJetStream(limit(used), "a write had failed on a full disk; the disk has room again"); err != nil {
			e.setNoSpace(fmt.Errorf("%w: %s; jetstream does not start again: %v", errNoSpace, werr, err))
			return
		}
		e.setNoSpace(nil)
		return
	}
	e.setNoSpace(nil)

	if e.maxStore > 0 || !known {
		return
	}
	// Follow the disk: raise the limit when it gained space; lower it only
	// when JetStream's headroom is more than the disk holds, so that a
	// write is refused cleanly instead of failing on a full disk (lowering
	// restarts JetStream).
	target := limitFromDisk(used, free)
	switch {
	case target > cur+max(cur/16, minFree):
		_ = e.setLimit(target, fmt.Sprintf("the disk has %s free", bytesOf(free)))
	case cur-used > free && target < cur:
		_ = e.setLimit(target, fmt.Sprintf("the disk has only %s free", bytesOf(free)))
	}
}

// setNoSpace records (err) or clears (nil) a full disk, logging the change.
func (e *Embedded) setNoSpace(err error) {
	if err == nil {
		if e.noSpace.Swap(nil) != nil {
			slog.Info("event store disk has room again; jetstream writes", "dir", e.cfg.DataDir)
		}
		return
	}
	if e.noSpace.Swap(&err) == nil {
		slog.Error("event store disk full; nothing is stored until space is freed", "dir", e.cfg.DataDir, "err", err)
	}
}

// writeError returns the first write error the server reports for a
// stream that ran out of disk space, or "".
func (e *Embedded) writeError() string {
	h := e.srv.Healthz(&server.HealthzOptions{Details: true})
	if h == nil {
		return ""
	}
	for _, he := range h.Errors {
		if strings.Contains(he.Error, "no space left") {
			return he.Error
		}
	}
	if strings.Contains(h.Error, "no space left") {
		return h.Error
	}
	return ""
}

// setLimit makes n JetStream's storage limit; e.mu is held. A raise goes
// through a reload of the server's options; anything else restarts
// JetStream.
func (e *Embedded) setLimit(n int64, why string) error {
	n = max(n, minLimit)
	if !e.srv.JetStreamEnabled() {
		return e.restartJetStream(n, why)
	}
	cur := e.MaxStore()
	if n == cur {
		return nil
	}
	if n > e.opts.JetStreamMaxStore {
		o := e.opts.Clone()
		o.JetStreamMaxStore = n
		err := e.srv.ReloadOptions(o)
		if err == nil {
			e.opts = o
			slog.Info("event store limit raised", "from", bytesOf(cur), "to", bytesOf(n), "why", why)
			return nil
		}
		slog.Warn("event store limit: reload refused; restarting jetstream", "err", err)
	}
	return e.restartJetStream(n, why)
}

// restartJetStream stops JetStream, keeping its state, and starts it
// again on the same directory with the storage limit n (0: nats-server's
// own); e.mu is held.
// Streams are opened anew, which also clears a write error a full disk
// left; clients' requests fail meanwhile and their consumers are found
// again (durable ones) or re-created.
func (e *Embedded) restartJetStream(n int64, why string) error {
	from := e.MaxStore()
	if e.srv.JetStreamEnabled() {
		if err := e.srv.ShutdownJetStream(); err != nil {
			return fmt.Errorf("restart jetstream: %w", err)
		}
	}
	err := e.srv.EnableJetStream(&server.JetStreamConfig{
		StoreDir:     e.cfg.DataDir, // the server adds /jetstream
		MaxStore:     n,
		MaxMemory:    e.memMax,
		SyncAlways:   e.opts.SyncAlways,
		SyncInterval: e.opts.SyncInterval,
		Strict:       !e.opts.NoJetStreamStrict,
	})
	if err != nil {
		slog.Error("event store: jetstream does not start again", "why", why, "err", err)
		return fmt.Errorf("restart jetstream: %w", err)
	}
	slog.Info("event store: jetstream restarted", "why", why, "limit", bytesOf(n), "was", bytesOf(from))
	return nil
}

// bytesOf renders a byte count for a person.
func bytesOf(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
