package eventstore

import (
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Defaults of Config.
const (
	// DefaultStream is the stream's name.
	DefaultStream = "CHARGEBOOTH"
	// DefaultSubjectPrefix is the first token of every event subject.
	DefaultSubjectPrefix = "cb"
	// DefaultDuplicateWindow is how long JetStream remembers event IDs.
	DefaultDuplicateWindow = 2 * time.Minute
	// CheckpointBucket is the object store holding projection checkpoints.
	CheckpointBucket = "CHARGEBOOTH_CHECKPOINTS"
	// DefaultPublishTimeout bounds one publish attempt.
	DefaultPublishTimeout = time.Second
	// DefaultProbeEvery is how often the store probes its stream.
	DefaultProbeEvery = 500 * time.Millisecond
)

// Config describes the stream Open creates or updates. The zero value is
// the single-box default.
type Config struct {
	// Stream is the stream name; empty means DefaultStream.
	Stream string
	// SubjectPrefix is the first subject token; empty means
	// DefaultSubjectPrefix. The stream captures <prefix>.>.
	SubjectPrefix string
	// Replicas is the stream's (and the checkpoint bucket's) replica count;
	// 0 means 1. Use 3 on a three-node cluster.
	Replicas int
	// MaxAge drops events older than this; 0 keeps them forever.
	MaxAge time.Duration
	// MaxBytes bounds the stream's size; 0 or -1 means unlimited.
	MaxBytes int64
	// DuplicateWindow is how long an event ID is remembered for
	// de-duplication; 0 means DefaultDuplicateWindow.
	DuplicateWindow time.Duration
	// Memory keeps the stream in memory instead of files (tests, demos).
	Memory bool
	// FollowBatch is how many messages Follow keeps in flight; 0 means 2000.
	FollowBatch int
	// PublishTimeout bounds one publish attempt of Append (one retry
	// follows a timed-out attempt while the caller's context allows);
	// 0 means DefaultPublishTimeout.
	PublishTimeout time.Duration
	// ProbeEvery is how often the store checks that its stream has a
	// leader and room, for Ready and for Append to fail fast; 0 means
	// DefaultProbeEvery.
	ProbeEvery time.Duration
	// Full, when set, reports why the server cannot take writes for lack
	// of space (nil when it can); the store's probe consults it. Pass
	// Embedded.Full for the embedded server.
	Full func() error
	// Log receives the store's own findings (readiness, a full store,
	// follower restarts, leases); nil means slog.Default().
	Log *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.Stream == "" {
		c.Stream = DefaultStream
	}
	if c.SubjectPrefix == "" {
		c.SubjectPrefix = DefaultSubjectPrefix
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = -1
	}
	if c.DuplicateWindow <= 0 {
		c.DuplicateWindow = DefaultDuplicateWindow
	}
	if c.FollowBatch <= 0 {
		c.FollowBatch = 2000
	}
	if c.PublishTimeout <= 0 {
		c.PublishTimeout = DefaultPublishTimeout
	}
	if c.ProbeEvery <= 0 {
		c.ProbeEvery = DefaultProbeEvery
	}
	return c
}

func (c Config) storage() jetstream.StorageType {
	if c.Memory {
		return jetstream.MemoryStorage
	}
	return jetstream.FileStorage
}

// wildcard is the subject that captures every event: <prefix>.>.
func (c Config) wildcard() string { return c.SubjectPrefix + ".>" }

func (c Config) streamConfig() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        c.Stream,
		Description: "chargebooth events, one subject per aggregate",
		Subjects:    []string{c.wildcard()},
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      c.MaxAge,
		MaxBytes:    c.MaxBytes,
		MaxMsgs:     -1,
		Storage:     c.storage(),
		Replicas:    c.Replicas,
		Duplicates:  c.DuplicateWindow,
		// A direct get may be answered by a lagging replica; with one
		// replica there is none, so it is safe and much cheaper.
		AllowDirect: c.Replicas == 1,
	}
}
