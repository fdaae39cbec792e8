package main

import "time"

// Result is what one loadgen run measured. Counts are readings unless
// named otherwise; Sent = Delivered + Lost once the run is over.
type Result struct {
	Mode            string  `json:"mode"` // "rate", "closed-loop" or "idle"
	Label           string  `json:"label,omitempty"`
	Pairs           int     `json:"pairs"`       // pairs asked for
	ActivePairs     int     `json:"activePairs"` // pairs with both sockets connected
	RatePerCharger  float64 `json:"ratePerCharger,omitempty"`
	ConnectSeconds  float64 `json:"connectSeconds"`  // connecting every socket
	DurationSeconds float64 `json:"durationSeconds"` // the load, as it ran

	Sent      uint64 `json:"sent"`      // written to a charger socket
	Delivered uint64 `json:"delivered"` // a status reached the widget
	Acked     uint64 `json:"acked"`     // Ack frames received
	Lost      uint64 `json:"lost"`      // sent and never delivered
	// Unexpected counts delivered readings whose status was not the one
	// their soc gives (out of order or wrong).
	Unexpected uint64 `json:"unexpected"`
	// Extra counts statuses that arrived with no reading outstanding.
	Extra uint64 `json:"extra"`
	// InitialStatuses counts statuses sent on connect, before any reading
	// of the pair was matched; they are ignored.
	InitialStatuses uint64 `json:"initialStatuses"`
	BadFrames       uint64 `json:"badFrames"` // frames that were not JSON

	ServerErrors  uint64            `json:"serverErrors"` // Error frames
	ErrorCodes    map[string]uint64 `json:"errorCodes,omitempty"`
	ConnectErrors uint64            `json:"connectErrors"` // failed dials
	Disconnects   uint64            `json:"disconnects"`   // sockets closed by the server
	WriteErrors   uint64            `json:"writeErrors"`   // readings that could not be written

	SentPerSecond      float64 `json:"sentPerSecond"`
	DeliveredPerSecond float64 `json:"deliveredPerSecond"`

	Latency LatencyStats `json:"latency"` // charger send → widget receive

	Server  *ProcStats `json:"server,omitempty"` // the process of --pid
	Loadgen *ProcStats `json:"loadgen,omitempty"`
	Idle    *IdleStats `json:"idle,omitempty"`
}

// LatencyStats summarises the charger-to-widget latency of the readings
// delivered with the right status.
type LatencyStats struct {
	Samples uint64  `json:"samples"`
	MeanMs  float64 `json:"meanMs"`
	P50Ms   float64 `json:"p50Ms"`
	P95Ms   float64 `json:"p95Ms"`
	P99Ms   float64 `json:"p99Ms"`
	MaxMs   float64 `json:"maxMs"`
}

// IdleStats is the server memory that idle sockets cost.
type IdleStats struct {
	Sockets        int     `json:"sockets"`        // sockets connected
	RSSDeltaBytes  int64   `json:"rssDeltaBytes"`  // server RSS after − before connecting
	BytesPerSocket float64 `json:"bytesPerSocket"` // RSSDeltaBytes / Sockets
}

// latencyStats summarises h.
func latencyStats(h *histogram) LatencyStats {
	return LatencyStats{
		Samples: h.count(),
		MeanMs:  ms(h.mean()),
		P50Ms:   ms(h.quantile(0.50)),
		P95Ms:   ms(h.quantile(0.95)),
		P99Ms:   ms(h.quantile(0.99)),
		MaxMs:   ms(h.quantile(1)),
	}
}

// ms returns d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
