// Package socketio is the Socket.IO v4 edge at /socket.io/ on the HTTP
// port, for portals, wall screens and reminder clients that speak
// Socket.IO rather than raw WebSocket. It uses the Socket.IO server of
// github.com/zishang520/socket.io (Engine.IO v4: long-polling and
// WebSocket, acknowledgements), checked against the protocol's own client
// (npm socket.io-client v4) by the tests in cmd/chargebooth.
//
// The handshake carries the staff token (auth: {token}, the token query
// parameter or Authorization: Bearer); without one the client hears
// connect_error with a message saying so. Over the socket:
//
//   - subscribe / unsubscribe (acknowledged) choose chargers ("*" for all);
//     events are pushed named by kind (reading, status, presence, session,
//     connector, charger, notice, pairing, device, ocpp, idtag, shift, and
//     event for a type this build does not know) with the live feed's JSON, each
//     with its stream sequence as the last argument, which socket.io-client
//     keeps as its recovery offset;
//   - remoteStart, remoteStop, checkIn, payment and handBack run the staff
//     HTTP API's command in-process with the socket's credentials, so the
//     rules, roles and errors are the API's; the acknowledgement carries
//     {ok: true, status, result} or {ok: false, status, error: {code,
//     message}} (status: the route's HTTP status; none when the command was
//     refused before a route ran), and a token rotated or
//     a member disabled meanwhile is refused at the next command;
//   - command is the reminder protocol (getAllTimeZones, scheduleEvent);
//     a scheduled event is a durable notice, and every connected client
//     hears eventReminder {name, time, _id} when any notice fires.
//
// Each socket holds one livefeed.Sub: a reconnecting socket.io-client
// sends its private session id and offset, and the Sub resumes from that
// stream position with the socket's subscriptions (kept for
// lostSessionTTL); subscribe with since restarts it from there.
//
// Files: server.go (Config, lifecycle, handshake), adapter.go (the
// library adapter that tells the edge which session went away), conn.go
// (one socket's Sub and its pump), live.go (subscribe, resume), commands.go
// (staff commands through the API), reminders.go and zones.go (the
// reminder protocol), parse.go (the pure parsers, fuzzed).
package socketio
