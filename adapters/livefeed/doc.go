// Package livefeed is chargebooth's live feed as a Go API, served by the
// socket edges (the /api/live WebSocket of httpapi, the Socket.IO edge):
// every event the board applies, filtered by charger, each with the
// stream sequence (its position) of the event, and exact recovery from a
// position.
//
// A Feed listens on the projections.Board. Feed.Subscribe returns a Sub
// whose channel C delivers Messages in stream order:
//
//   - without Filter.Since (or SinceTime): the events applied after the
//     call, live;
//   - with it: first exactly the matching events after that position,
//     read from the stream through domain.History (the backlog), then a
//     marker Message of KindRecovery, then live — no event twice, none
//     missed. When the stream's retention already dropped events after
//     the position, Recovery.Recovered is false and Recovery.Oldest is the
//     oldest position still held; the backlog then starts there.
//
// The switch from the stream to the live updates (the classic
// snapshot-then-live race) works so: the Sub is registered with the
// board's listener first, and every event applied from then on is queued;
// then the stream is read from the position to its last sequence at the
// time of the read (which is at least what the board had applied when the
// Sub was registered); then the queue is drained, skipping every event at
// or below the last sequence read. When the queue overflows during the
// backlog (the board applies faster than the stream is read), it is
// dropped and the stream is read again from where it stopped: the stream
// holds every event, the queue only saves reading it twice.
//
// Live and backlog messages are the same bytes: the message of an event is
// its envelope as the store carries it (domain.Event's JSON, with "seq"),
// which depends on the event alone, never on the board's state. So a
// recovered message is exactly the message a live subscriber got. (A
// reading's data carries its LED status; an edge that wants a separate
// status message derives it from the reading, which keeps recovery and
// live identical.)
//
// A subscriber must keep reading C. The board never waits for it: once
// more than Config.Queue messages wait for a live subscriber, the Sub ends
// with ErrTooSlow (Err tells, with the last position delivered, from which
// the subscriber can resume with Since).
package livefeed
