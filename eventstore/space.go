package eventstore

import (
	"errors"
	"fmt"
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
	// fullSlack is the room below the limit in which the store counts as
	// full: an event needs a few hundred bytes.
	fullSlack = 4 << 10
	// serverCeiling is the server-wide storage limit; the limit in force
	// is the account's, which can be raised and lowered at runtime.
	serverCeiling = 1 << 50
)

// limitFromDisk is nats-server's dynamic storage limit: three quarters of
// the free space, on top of what JetStream already holds.
func limitFromDisk(used, free int64) int64 {
	return max(used+free/4*3, 0)
}

// accountLimits are the limits of the account the store lives in: none
// but the storage limit maxStore (-1: none).
func accountLimits(maxStore int64) map[string]server.JetStreamAccountLimits {
	return map[string]server.JetStreamAccountLimits{"": {
		MaxMemory: -1, MaxStore: maxStore, MaxStreams: -1, MaxConsumers: -1,
		MaxAckPending: -1, MemoryMaxStreamBytes: -1, StoreMaxStreamBytes: -1,
	}}
}

// usage returns the storage the store's account uses and its limit (-1:
// none); ok is false while JetStream is stopped.
func (e *Embedded) usage() (used, limit int64, ok bool) {
	if !e.srv.JetStreamEnabled() {
		return 0, 0, false
	}
	acc := e.srv.GlobalAccount()
	if acc == nil || !acc.JetStreamEnabled() {
		return 0, 0, false
	}
	u := acc.JetStreamUsage()
	return int64(u.Store), u.Limits.MaxStore, true
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
	used, limit, ok := e.usage()
	if ok && limit >= 0 && used+fullSlack > limit {
		if free, known := diskFree(e.cfg.DataDir); known {
			return fmt.Errorf("%w: %s of %s used, %s free on the disk", errLimit, bytesOf(used), bytesOf(limit), bytesOf(free))
		}
		return fmt.Errorf("%w: %s of %s used", errLimit, bytesOf(used), bytesOf(limit))
	}
	return nil
}

// MaxStore returns the storage limit in force in bytes (-1: none, 0 while
// JetStream is stopped).
func (e *Embedded) MaxStore() int64 {
	_, limit, _ := e.usage()
	return limit
}

// SetMaxStore changes JetStream's storage limit at once, without
// restarting anything: n bytes, or 0 to follow the disk again (see
// EmbeddedConfig.MaxStore). Writes refused for lack of room succeed again
// as soon as the limit allows them.
func (e *Embedded) SetMaxStore(n int64) error {
	if n < 0 {
		return fmt.Errorf("set max store: %d is negative", n)
	}
	e.mu.Lock()
	e.maxStore = n
	e.mu.Unlock()
	return e.check()
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
			_ = e.check()
		}
	}
}

// check brings back a JetStream that a full disk stopped, once the disk
// has room again, and keeps the storage limit at what was asked for or on
// the disk.
func (e *Embedded) check() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	free, known := diskFree(e.cfg.DataDir)
	room := !known || free >= minFree

	if !e.srv.JetStreamEnabled() {
		// JetStream disables itself when some writes find the disk full.
		if !room {
			e.setNoSpace(fmt.Errorf("%w: jetstream stopped (%s free)", errNoSpace, bytesOf(free)))
			return nil
		}
		if err := e.restartJetStream("jetstream had stopped; the disk has room again"); err != nil {
			e.setNoSpace(fmt.Errorf("%w: jetstream stopped and does not start again: %v", errNoSpace, err))
			return err
		}
	}
	if werr := e.writeError(); werr != "" {
		// A stream's store failed a write on a full disk: it refuses
		// every write from then on, until it is opened again.
		if !room {
			e.setNoSpace(fmt.Errorf("%w: %s", errNoSpace, werr))
			return nil
		}
		if err := e.reopenStreams(); err != nil {
			e.setNoSpace(fmt.Errorf("%w: %s; the streams do not open again: %v", errNoSpace, werr, err))
			return err
		}
	}
	e.setNoSpace(nil)

	used, cur, ok := e.usage()
	if !ok {
		return nil
	}
	switch {
	case e.maxStore > 0:
		return e.applyLimit(e.maxStore, cur, "set by the operator")
	case !known:
		return e.applyLimit(-1, cur, "the disk's free space is not known")
	}
	// Follow the disk, not byte by byte: when it gained or lost a good
	// part of the limit, or when the room left under the limit is more
	// than the disk holds (a write would fail on a full disk rather than
	// be refused cleanly).
	target := limitFromDisk(used, free)
	step := max(cur/16, minFree)
	if cur < 0 || target > cur+step || target < cur-step || (target < cur && cur-used > free) {
		return e.applyLimit(target, cur, fmt.Sprintf("the disk has %s free", bytesOf(free)))
	}
	return nil
}

// applyLimit puts n (-1: none) in force as the account's storage limit
// where cur is; e.mu is held.
func (e *Embedded) applyLimit(n, cur int64, why string) error {
	if n == cur {
		return nil
	}
	acc := e.srv.GlobalAccount()
	if err := acc.UpdateJetStreamLimits(accountLimits(n)); err != nil {
		e.cfg.Log.Error("event store limit not changed", "to", bytesOf(n), "err", err)
		return fmt.Errorf("set max store: %w", err)
	}
	e.limit = n
	e.cfg.Log.Info("event store limit", "from", bytesOf(cur), "to", bytesOf(n), "why", why)
	return nil
}

// setNoSpace records (err) or clears (nil) a full disk, logging the change.
func (e *Embedded) setNoSpace(err error) {
	if err == nil {
		if e.noSpace.Swap(nil) != nil {
			e.cfg.Log.Info("event store disk has room again; jetstream writes", "dir", e.cfg.DataDir)
		}
		return
	}
	if e.noSpace.Swap(&err) == nil {
		e.cfg.Log.Error("event store disk full; nothing is stored until space is freed", "dir", e.cfg.DataDir, "err", err)
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

// reopenStreams stops the account's streams and opens them again from
// disk, which clears the write error a full disk left in a stream's
// store; e.mu is held. Clients' requests fail meanwhile; their durable
// consumers are opened again with the streams.
func (e *Embedded) reopenStreams() error {
	acc := e.srv.GlobalAccount()
	if err := acc.DisableJetStream(); err != nil {
		return fmt.Errorf("reopen streams: %w", err)
	}
	if err := acc.EnableJetStream(accountLimits(e.limit), nil); err != nil {
		e.cfg.Log.Error("event store streams do not open again", "err", err)
		return fmt.Errorf("reopen streams: %w", err)
	}
	e.cfg.Log.Info("event store streams reopened: a write had failed on a full disk; the disk has room again")
	return nil
}

// restartJetStream starts a JetStream that stopped itself again, on the
// same directory; e.mu is held.
func (e *Embedded) restartJetStream(why string) error {
	err := e.srv.EnableJetStream(&server.JetStreamConfig{
		StoreDir:     e.cfg.DataDir, // the server adds /jetstream
		MaxStore:     e.opts.JetStreamMaxStore,
		MaxMemory:    e.memMax,
		SyncAlways:   e.opts.SyncAlways,
		SyncInterval: e.opts.SyncInterval,
		Strict:       !e.opts.NoJetStreamStrict,
	})
	if err != nil {
		e.cfg.Log.Error("event store: jetstream does not start again", "why", why, "err", err)
		return fmt.Errorf("restart jetstream: %w", err)
	}
	e.limit = -1 // the account starts without one; check sets it
	e.cfg.Log.Info("event store: jetstream started again", "why", why)
	return nil
}

// bytesOf renders a byte count for a person.
func bytesOf(n int64) string {
	const unit = 1024
	if n < 0 {
		return "none"
	}
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
