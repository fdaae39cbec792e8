package customer

import (
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

// Phases of a customer's session.
const (
	PhaseCharging  = "charging"  // plugged in, not full yet (or no reading yet)
	PhaseReady     = "ready"     // charged: ready for pick-up
	PhaseCollected = "collected" // handed back
)

// View is everything the customer page learns: written field by field
// from one session, so nothing about another phone (or about this one
// beyond what its owner should see: no charger, widget, label, claim code
// or payment method) can reach it.
type View struct {
	Phase string `json:"phase"`
	// While open:
	Status          domain.Status `json:"status,omitempty"`
	SoC             *float64      `json:"soc,omitempty"`
	OpenedAt        *time.Time    `json:"openedAt,omitempty"`
	ChargingSeconds int64         `json:"chargingSeconds,omitempty"`
	AmountDueCents  *int64        `json:"amountDueCents,omitempty"`
	BalanceCents    *int64        `json:"balanceCents,omitempty"`
	Currency        string        `json:"currency,omitempty"`
	// Once collected, only these:
	CollectedAt    *time.Time `json:"collectedAt,omitempty"`
	CollectedLocal string     `json:"collectedLocal,omitempty"` // "23:14" in the booth's zone
}

// viewOf is the customer's view of s at now.
func viewOf(s projections.SessionView, now time.Time, loc *time.Location) View {
	if s.State == projections.StateClosed {
		v := View{Phase: PhaseCollected}
		if s.ClosedAt != nil {
			t := s.ClosedAt.UTC()
			v.CollectedAt, v.CollectedLocal = &t, t.In(loc).Format("15:04")
		}
		return v
	}
	opened := s.OpenedAt.UTC()
	due, bal := s.AmountDueCents, s.BalanceCents
	v := View{Phase: PhaseCharging, Status: s.Status, OpenedAt: &opened, AmountDueCents: &due, BalanceCents: &bal, Currency: s.Currency}
	if s.SoC != nil {
		soc := *s.SoC
		v.SoC = &soc
	}
	if d := now.Sub(opened); d > 0 {
		v.ChargingSeconds = int64(d / time.Second)
	}
	if s.Status == domain.StatusCharged || s.ChargedAt != nil {
		v.Phase = PhaseReady
	}
	return v
}
