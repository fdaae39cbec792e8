// Package eventstore is chargebooth's event store on NATS JetStream.
//
// It is the only package that imports nats.go and nats-server. It starts
// the embedded nats-server (StartEmbedded), sets up the stream (Open), and
// implements the domain ports: domain.EventStore (Append with message-id
// de-duplication and optimistic concurrency per aggregate subject, Load,
// LastSequence), domain.Feed (Follow through a durable pull consumer) and
// domain.History (ReadAll, FirstSequence, SequenceAt through ephemeral
// ordered consumers: the live feed's recovery).
// Projection checkpoints live in a JetStream object store beside the
// stream (SaveCheckpoint, LoadCheckpoint), instance leases (domain.Leases)
// in a KV bucket (OpenLeases).
//
// Failures that mean "not stored" wrap domain.ErrUnavailable (no
// connection, no stream leader, no answer) or domain.ErrFull (the storage
// limit or the disk is reached), and read "<what was not stored>: <the
// domain's sentence>: <cause>". Store.Ready tells whether the store can
// store right now, from a background probe; while the probe finds no
// stream leader, Append fails at once. The embedded server keeps its
// storage limit on the disk (or EmbeddedConfig.MaxStore) and, after a full
// disk, takes writes again by itself once space returns.
//
// Layout in JetStream:
//
//	stream CHARGEBOOTH, subjects cb.>      one subject per aggregate:
//	  cb.charger.<id>                       a charger and its sessions
//	  cb.widget.<id>                        a widget
//	  cb.pairings                           the charger ↔ widget table
//	  cb.notices                            scheduled staff notices
//	object store CHARGEBOOTH_CHECKPOINTS    projection checkpoints
//	KV bucket cb-leases                     one key per instance
//
// Each message is one domain.Event encoded as JSON by Event.MarshalJSON,
// with Nats-Expected-Last-Subject-Sequence when it was appended with an
// expected version, else its ID as the Nats-Msg-Id header (see Append). An
// aggregate's version is the stream sequence of its last message.
package eventstore
