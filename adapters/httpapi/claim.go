package httpapi

import (
	"github.com/chargebooth/chargebooth/domain"
	"net/http"
	"time"
)

// Tickets configures the claim check at hand-back and the printed ticket.
type Tickets struct {
	// Verify refuses a hand-back that gives neither the widget nor the
	// claim code (claim_required); off, such a hand-back is recorded as
	// verifiedBy "none" (the contract before claim checks).
	Verify bool
	// BoothName heads the printed ticket; "" is "chargebooth".
	BoothName string
	// PublicURL is the customer link's scheme and host
	// ("https://booth.example"); "" takes them from the request.
	PublicURL string
	// Location is the booth's time zone for the ticket's time in; nil is
	// UTC.
	Location *time.Location
}

// claim is the hand-back request's claim as the domain checks it.
func (a *API) claim(req handBackRequest, override bool) domain.Claim {
	return domain.Claim{WidgetID: req.WidgetID, ClaimCode: req.ClaimCode, OverrideReason: req.OverrideReason,
		Override: override, Required: a.cfg.Tickets.Verify}
}

// handBackOverride hands a phone back without its widget or claim code: a
// lead's route, the reason ("ID checked: passport") recorded on the event.
func (a *API) handBackOverride(w http.ResponseWriter, r *http.Request) { a.handBackAs(w, r, true) }
