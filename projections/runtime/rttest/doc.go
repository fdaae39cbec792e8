// Package rttest starts a projection runtime for a test: the board fed
// from a real event store, as the server feeds it, closed when the test
// ends. Tests of packages that read a board (httpapi, livefeed, policy)
// share it instead of each starting the runtime by hand.
package rttest
