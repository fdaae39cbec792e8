// Package gcfloor keeps the garbage collector's heap goal from falling
// below a floor.
//
// With GOGC=100 the collector runs whenever the heap has grown by the live
// heap (plus stacks and globals) since the last cycle. While the live heap
// is small that is very often: a server taking its first 8,000 charger
// sockets and sessions collected thirteen times in three seconds as its
// live heap grew from 20 to 100 MB, and every reading that arrived during
// a cycle's marking waited behind the collector's assists (at 8,000
// readings a second, the slowest percent of a minute's readings came
// mostly from those seconds). A floor lets a process that uses less than
// it run without collecting until it reaches it, and leaves GOGC's pacing
// alone above it: after each cycle the GOGC percentage is set so that the
// next goal is the floor, or GOGC's own goal when that is higher. A memory
// limit (GOMEMLIMIT) still bounds the goal, as it bounds GOGC's.
package gcfloor
