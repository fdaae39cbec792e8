// Package dashboard serves the booth staff dashboard: plain HTML, CSS and
// JavaScript modules embedded in the binary, with no build step and no
// network dependencies, so it works on an offline festival box.
//
// The page talks only to the staff HTTP API documented in DESIGN.md: it
// takes a REST snapshot (GET /api/chargers, GET /api/notices), then follows
// the /api/live WebSocket. Readings are patched into the page's copy of the
// chargers from their events; every other event re-reads its charger, and a
// snapshot every 10 s catches up on balances that grow with time. Views
// hear of changes once per animation frame and touch only the tiles that
// changed, so 200 chargers reading every second stay smooth.
//
// The modules, one per view: main.js (start, token), api.js (fetch with the
// staff token), store.js (the chargers, what needs action), live.js (the
// feed, batched per frame; the event log), tiles.js (the board, filters,
// order), search.js (the one search box, for ids typed or scanned),
// panel.js (one session's actions and timeline), tickets.js (claim code,
// label, printed ticket, claim check at hand-back, search by claim code
// and label), notices.js, util.js.
// Every relative import is rewritten to carry the modules' shared version,
// so a year-long cache never mixes two releases.
//
// Mount [Handler] at "/" beside the /api/ routes.
package dashboard
