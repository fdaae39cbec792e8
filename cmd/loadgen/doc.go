// Command loadgen measures a server that speaks the chargebooth charger and
// widget protocols (DESIGN.md): it connects N charger–widget pairs, makes
// every charger send StateOfCharge readings, and times each reading from the
// moment the charger sent it to the moment its paired widget received the
// status.
//
// Three modes:
//
//   - rate (default): every charger sends --rate readings per second for
//     --duration, paced by one central scheduler;
//   - closed loop (--closed-loop): a charger sends its next reading as soon
//     as its widget got the status of the last one, which saturates the
//     server;
//   - idle (--idle): N chargers and N widgets connect and send nothing; with
//     --pid the server's RSS growth per socket is reported.
//
// The charger ids are <prefix>c0001…, the widget ids <prefix>w0001…; the
// pairs are registered with the server through --api, or written to a file
// for `chargebooth serve --pairings` with --pairings-out.
//
// Every charger cycles through readings whose LED statuses all differ from
// their neighbours (charging, charging80, charged), so a widget can match
// each status it receives to the reading that caused it, in order, and
// tell a lost reading from a wrong status. With --pid the server's RSS and
// CPU are sampled from /proc.
//
// `loadgen compare [--csv FILE] CB.json RELAY.json …` reads results written
// with --json-out in pairs (chargebooth, then the benchmark's relay peer)
// and prints both systems' figures with their ratios as one markdown table;
// --csv writes one row per pair, which scripts/bench/chart draws.
package main
