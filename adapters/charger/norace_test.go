//go:build !race

package charger_test

const raceEnabled = false
