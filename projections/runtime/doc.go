// Package runtime feeds a projections.Board from the event stream and says
// how far it got.
//
// A Runtime owns, for one board: following the whole stream through the
// domain.Feed port (restarting with backoff after an error, from what the
// board applied), restoring a checkpoint at start and saving one
// periodically and at drain (through domain.Checkpoints), readiness with
// a reason (caught-up, behind, stopped), waiting for a sequence to be
// folded (signalled by the fold itself, never polled), the stream's last
// sequence for the lag metric, and counting the events this build does not
// understand (domain.Opaque) instead of stopping on them.
//
// It imports only domain and projections: cmd wires the concrete store in.
package runtime
