// Package projections holds chargebooth's read models, folded from the event
// stream: charger and LED status, presence, pairings, sessions with their
// money, the payments ledger, notices and overdue reminders.
//
// A Board is fed every event in stream order by one goroutine (one durable
// consumer per instance) and fans each applied event out, in memory, to
// listeners such as the widget hub and the live feed. It can be rebuilt from
// sequence 1, and checkpointed and restored.
package projections
