// Package workers runs short pieces of work on a few pooled goroutines
// for many goroutines that mostly wait.
//
// A socket's goroutine spends its life blocked in a read on a stack of a
// few KiB, but the work one frame starts (decoding, storing it through
// NATS, writing to another socket) needs a stack of 8–16 KiB, and a
// goroutine's stack stays at its largest size until the collector finds it
// using less than a quarter of it — and grows again at the next frame. At
// 8,000 chargers that was 100 MiB of stacks, and every byte of them also
// raises the heap goal (GOGC counts stacks). Run hands the work to a pooled
// goroutine, whose deep stack is shared by every socket, and waits for it,
// so the socket's own goroutine keeps the stack its read needs and the
// work still runs in the socket's order, one frame at a time.
//
// A Starter is the same re-use for work that must not wait for a worker
// (a parked socket's resumed read loop, a widget's flush): Go runs a
// function on a goroutine that ran an earlier one and waits, or on a new
// one, with no bound, and keeps a few waiting for the next.
package workers
