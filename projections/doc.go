// Package projections holds chargebooth's read models, folded from the event
// stream: charger and LED status, presence, pairings, sessions with their
// money, the payments ledger, notices, each charger's latest OCPP events
// (its timeline) and the count of events by type.
//
// Each read model is a small type in its own file behind one interface,
// ReadModel (apply one event, snapshot, restore, reset, entries for Diff).
// A Board composes them: it is fed every event in stream order by one
// goroutine (one durable consumer per instance), runs it through each model
// in registration order, and fans it out, in memory, to listeners such as
// the widget hub and the live feed. Events this build cannot read
// (domain.Opaque) are skipped by every model and counted by type (Unknown),
// and so are events quarantined for breaking the domain's rules (an
// Opaque with Reason domain.OpaqueInvalid, counted in Quarantined). The board
// can be rebuilt from sequence 1, and checkpointed (one entry per model)
// and restored.
//
// Adding a built-in read model is one file (the type, its ReadModel
// methods, its queries on Board) plus its line in NewBoard, which registers
// it and keeps it in a Board field for the queries. A model from outside
// the package is passed to NewBoard as an extra model (or to
// Board.Register) and answers its queries under Board.View.
package projections
