// Package netpark parks idle WebSocket connections: a read loop that finds
// nothing to read returns instead of blocking, and the connection calls it
// again, on a goroutine of its own, once the peer sends something, its read
// deadline passes or it is closed (a goroutine an earlier loop ran on, when
// one waits: at most 64 wait, whatever the number of sockets; see
// workers.Starter). So an idle socket holds no goroutine and
// no stack (on Linux: one epoll set for the process, a goroutine waiting on
// it), where gorilla/websocket's model holds one blocked reader each — at
// 16,000 device sockets 70 MiB of stacks that the collector scans on every
// cycle and counts into its heap goal.
//
// A Conn wraps a plain TCP connection a Listener accepted. Until its first
// Poll it only passes reads and writes through (the HTTP request, the
// upgrade, and any socket that never parks: OCPP, TLS). From then on it
// reads ahead into a buffer of its own and gives the WebSocket library no
// byte past the end of the current frame, so that what the library has
// buffered is never more than one frame and "nothing buffered here, nothing
// in the kernel" means the socket is idle. Ping and pong frames found
// between messages are answered by Poll through the socket's own handlers,
// since the library would handle them and then block for the next frame.
//
// The read side (Read, Poll, Park) is the read loop's: one goroutine at a
// time. Close, writes and deadlines may come from any goroutine.
package netpark
