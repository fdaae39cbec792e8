// Package wsconn is the one skeleton of chargebooth's WebSocket edges
// (charger, widget, live feed); an edge supplies only its protocol.
//
//   - Edge[S] is the lifecycle: it checks the device id in the path
//     (domain.ValidateDeviceID; HTTP 400, plain text, before the upgrade),
//     runs an optional pre-upgrade Check (auth), refuses new sockets with
//     503 "server shutting down" once closing, upgrades with the edge's
//     Upgrader, holds the registry of live sockets by id (a newer socket
//     replaces an older one, which is closed with "replaced by a newer
//     connection"; Held hears when an id starts and stops being held),
//     serves each socket on one goroutine of its own, and Close closes
//     every socket with a reason and waits a bounded time for them.
//   - Socket is the closing half every simple socket shares: close once
//     with a reason, keepalive pings from a timer (no goroutine per idle
//     socket), pong deadlines, writes with a deadline, lingering after a
//     1009 close, and Reason, the one description of why a socket ended.
//   - OriginPolicy decides a request's Origin header for an Upgrader:
//     no Origin (a device) passes; a browser origin passes when it is
//     listed, or (the live feed) when its scheme, host and port equal the
//     request's own and the Host is an IP, localhost or a configured name.
//
// It is a small shared codec like the OCPP package, so the edges need not
// reach into each other.
package wsconn
