package ocpp

import (
	"context"
	"strconv"
	"sync"

	"golang.org/x/time/rate"
)

// Defaults of the per-connection message rate (Config.Rate, Config.Burst):
// 20 messages a second, and a burst of 100 so a charger that reconnects can
// replay its offline queue at once.
const (
	DefaultRate  rate.Limit = 20
	DefaultBurst            = 100
)

// Reasons a CALL is refused before (or instead of) its handler storing
// anything, as Config.Refused hears them.
const (
	RefusedRate  = "rate_limited" // more messages a second than Config.Rate allows
	RefusedBoot  = "not_booted"   // the charger's boot was not Accepted
	RefusedMeter = "meter_limit"  // a MeterValues message over a MeterLimits bound
)

// Session is what the router keeps of one connection between its CALLs:
// the answer to the charger's BootNotification and the connection's
// message rate. Conn makes one per socket with Router.NewSession; it is
// safe for concurrent use.
type Session struct {
	chargerID string
	limiter   *rate.Limiter

	mu     sync.Mutex
	boot   BootDecision // the registration status standing on this connection; "" until known
	asked  bool         // Backend.BootStatus was consulted
	refuse string       // the rate limit's CALLERROR description
}

// NewSession returns the state of a new connection of chargerID. Until
// the charger sends BootNotification, the status standing for it is
// whatever Backend.BootStatus says (asked once, at its first other CALL).
func (r *Router) NewSession(chargerID string) *Session {
	return &Session{
		chargerID: chargerID,
		limiter:   rate.NewLimiter(r.rate, r.burst),
		refuse:    "rate limited: more than " + strconv.FormatFloat(float64(r.rate), 'f', -1, 64) + " messages a second; retry later",
	}
}

// ChargerID returns the charger the session belongs to.
func (s *Session) ChargerID() string { return s.chargerID }

// Boot returns the registration status standing on the connection: the
// answer to its last BootNotification, or what Backend.BootStatus said
// for a charger that has not booted on it; "" when neither is known yet.
func (s *Session) Boot() BootDecision {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.boot
}

// Allow takes one message from the connection's rate and reports whether
// it may be served. Every frame the charger sends counts, whatever it is.
func (s *Session) Allow() bool { return s.limiter.Allow() }

func (s *Session) setBoot(d BootDecision) {
	s.mu.Lock()
	s.boot, s.asked = d, true
	s.mu.Unlock()
}

// standing returns the connection's registration status, asking the
// Backend once when the charger has not booted on this connection.
func (s *Session) standing(ctx context.Context, b Backend) BootDecision {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.asked {
		s.boot, s.asked = b.BootStatus(ctx, s.chargerID), true
	}
	return s.boot
}

// bootRefusal is the SecurityError answering a CALL other than
// BootNotification on a connection whose boot is not Accepted (OCPP 1.6
// §4.2: until then the charger may send BootNotification only).
func bootRefusal(d BootDecision) *CallError {
	switch d {
	case BootPending:
		return callError(CodeSecurityError, "the charger's BootNotification is Pending; only BootNotification is served until it is Accepted")
	case BootRejected:
		return callError(CodeSecurityError, "the charger's BootNotification was Rejected; only BootNotification is served until it is Accepted")
	}
	return callError(CodeSecurityError, "the charger's BootNotification was not accepted; send BootNotification first")
}
