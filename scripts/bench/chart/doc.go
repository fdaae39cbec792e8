// Command chart draws the scaling benchmark: it reads the CSV that
// `loadgen compare --csv` writes (one row per load step, chargebooth and
// the relay peer side by side) and renders a PNG with two panels, p99
// latency and server RSS against the number of pairs, one line per system.
//
//	go run ./scripts/bench/chart --csv scaling.csv --out docs/bench/scaling.png
package main
