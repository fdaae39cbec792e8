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
// Signing in: the page holds no credential. It asks GET /api/me whether
// the browser has a session, and otherwise shows a sign-in form (name and
// PIN, or a personal token) that posts to /api/login; the server answers
// with an HttpOnly, SameSite=Strict cookie that goes with every request and
// the live feed's upgrade, so no token is ever in an address, in
// localStorage or in the page (a token an older page left in storage is
// deleted on load). Any 401 brings the form back over the board, which
// keeps its state. Every control carries the role it needs (data-role) and
// is hidden unless the member holds it; the server checks the same table.
//
// The modules, one per view: main.js (start, sign-in, sign-out), auth.js
// (the member, their roles, what the page shows them), api.js (fetch with
// the session cookie), store.js (the chargers, what needs action), live.js
// (the feed, batched per frame; the event log), tiles.js (the board,
// filters, order), search.js (the one search box, for ids typed or
// scanned), panel.js (one session's actions and timeline), tickets.js
// (claim code, label, printed ticket, claim check at hand-back, search by
// claim code and label), money.js (voids, refunds, tips, till shifts,
// unclaimed phones), notices.js, audit.js (takings by member and who did
// what, for leads), staff.js (the staff list, for admins), util.js.
// Every relative import is rewritten to carry the modules' shared version,
// so a year-long cache never mixes two releases.
//
// Mount [Handler] at "/" beside the /api/ routes.
package dashboard
