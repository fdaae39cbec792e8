package domain

import "time"

// Tariff prices a session: a flat fee, plus an optional price per started
// hour, capped.
type Tariff struct {
	FlatCents   int64
	HourlyCents int64
	CapCents    int64 // 0: no cap
	Currency    string
}

// DefaultTariff is 5.00 EUR flat.
var DefaultTariff = Tariff{FlatCents: 500, Currency: "EUR"}

// Due returns the amount owed for a stay from opened to end.
func (t Tariff) Due(opened, end time.Time) int64 {
	due := t.FlatCents
	if t.HourlyCents > 0 && end.After(opened) {
		d := end.Sub(opened)
		hours := int64(d / time.Hour)
		if d%time.Hour != 0 {
			hours++
		}
		due += hours * t.HourlyCents
	}
	if t.CapCents > 0 && due > t.CapCents {
		due = t.CapCents
	}
	return due
}
