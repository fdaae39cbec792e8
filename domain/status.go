package domain

// Status is the LED status a widget shows.
type Status string

// The LED statuses of DESIGN.md.
const (
	// StatusNone means no open session: the widget shows nothing.
	StatusNone Status = ""
	// StatusCharging is red: soc < 80.
	StatusCharging Status = "charging"
	// StatusCharging80 is yellow: 80 ≤ soc < 100.
	StatusCharging80 Status = "charging80"
	// StatusCharged is green: soc = 100.
	StatusCharged Status = "charged"
)

// StatusFor maps a state of charge to the LED status.
func StatusFor(soc float64) Status {
	switch {
	case soc >= 100:
		return StatusCharged
	case soc >= 80:
		return StatusCharging80
	default:
		return StatusCharging
	}
}
