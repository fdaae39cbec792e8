//go:build race

package charger_test

// raceEnabled: the race detector's instrumentation makes every stack
// deeper, so stack sizes measured under it say nothing.
const raceEnabled = true
