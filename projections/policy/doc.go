// Package policy holds the read side's policies: loops that watch the
// board and issue commands through domain.Service when something comes
// due. Reminders raises the durable timers (overdue phones, staff
// notices); Reaper marks offline the sockets held by an instance whose
// lease expired; Unclaimed marks the phones still at the booth at its
// closing time. Every decision goes through an aggregate, so a policy
// that runs on several instances at once still decides once.
package policy
