// Package wsconn holds what the chargebooth WebSocket edges do the same
// way: keepalive pings from a timer (no goroutine per idle socket), read
// deadlines that follow pongs, and closing with a reason. It is a small
// shared codec like the OCPP package, so the edges need not reach into each
// other.
package wsconn
