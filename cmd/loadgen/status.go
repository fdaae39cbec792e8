package main

// status is an LED status as the widget protocol names it.
type status uint8

// The statuses a widget can show; statusUnknown is any other string.
const (
	statusUnknown status = iota
	statusCharging
	statusCharging80
	statusCharged
)

var statusNames = [...]string{
	statusUnknown:    "unknown",
	statusCharging:   "charging",
	statusCharging80: "charging80",
	statusCharged:    "charged",
}

// String returns the protocol name of s.
func (s status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return statusNames[statusUnknown]
}

// parseStatus maps a protocol status name to a status.
func parseStatus(b []byte) status {
	switch string(b) {
	case "charging":
		return statusCharging
	case "charging80":
		return statusCharging80
	case "charged":
		return statusCharged
	}
	return statusUnknown
}

// step is one reading of the cycle every charger walks through.
type step struct {
	soc  int
	want status
}

// socCycle is the sequence of readings a charger sends, over and over.
// Neighbouring steps have different statuses, so a status that matches the
// reading after the oldest outstanding one means that oldest one was lost.
var socCycle = [...]step{
	{soc: 20, want: statusCharging},
	{soc: 85, want: statusCharging80},
	{soc: 100, want: statusCharged},
}

// cycleStartAfter returns the cycle index a charger starts at when its
// widget showed initial on connect, so that the first status differs from
// the one already shown.
func cycleStartAfter(initial status) int {
	for i, s := range socCycle {
		if s.want == initial {
			return (i + 1) % len(socCycle)
		}
	}
	return 0
}
