// Package dashboard serves the booth staff dashboard: a single page of
// plain HTML, CSS and JavaScript modules embedded in the binary, with no
// build step and no network dependencies, so it works on an offline
// festival box.
//
// The page talks only to the staff HTTP API documented in DESIGN.md: it
// takes a REST snapshot (GET /api/chargers, GET /api/notices), then follows
// the /api/live WebSocket, re-fetching one charger whenever an event about
// it arrives. Mount [Handler] at "/" beside the /api/ routes.
package dashboard
