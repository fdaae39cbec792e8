package httpapi

import (
	"net/http"

	"github.com/chargebooth/chargebooth/domain"
)

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 200

type paymentRequest struct {
	AmountCents *cents `json:"amountCents"`
	Method      string `json:"method"`
	Reference   string `json:"reference"`
	Tip         bool   `json:"tip"`  // the part above the balance is a tip
	Till        string `json:"till"` // the till the money went into (money.go)
}

type handBackRequest struct {
	WaiveReason string `json:"waiveReason"`
	// The claim (claim.go): the widget scanned, the ticket's claim code,
	// or (override route only) a lead's reason.
	WidgetID       string `json:"widgetId"`
	ClaimCode      string `json:"claimCode"`
	OverrideReason string `json:"overrideReason"`
}

// decodePayment decodes a payment body strictly.
func decodePayment(body []byte) (domain.Payment, error) {
	var req paymentRequest
	if err := decodeJSON(body, &req); err != nil {
		return domain.Payment{}, err
	}
	if req.AmountCents == nil {
		return domain.Payment{}, domain.Errorf(domain.CodeInvalidAmount, "amountCents is required (a whole number of cents)")
	}
	return domain.Payment{AmountCents: int64(*req.AmountCents), Method: req.Method, Reference: req.Reference, Tip: req.Tip, Till: req.Till}, nil
}

func idempotencyKey(r *http.Request) (string, error) {
	k := r.Header.Get("Idempotency-Key")
	if len(k) > maxIdempotencyKey {
		return "", domain.Errorf(domain.CodeInvalidInput, "Idempotency-Key is longer than %d characters", maxIdempotencyKey)
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return "", domain.Errorf(domain.CodeInvalidInput, "Idempotency-Key must be printable ASCII")
		}
	}
	return k, nil
}

func (a *API) recordPayment(w http.ResponseWriter, r *http.Request) {
	key, err := idempotencyKey(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	p, err := readDecoded(w, r, decodePayment)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	p.IdempotencyKey = key
	s, shiftID, till, err := a.sessionAndShift(r, p.Till)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	p.ShiftID, p.Till = shiftID, till
	// 200 for a replay of a payment already recorded.
	a.decideOnSession(w, r, s, http.StatusCreated, http.StatusOK, func(c *domain.Charger, x domain.Ctx, t domain.Tariff) ([]domain.Event, error) {
		return c.RecordPayment(x, t, s.ID, p)
	})
}

func (a *API) handBack(w http.ResponseWriter, r *http.Request) { a.handBackAs(w, r, false) }

func (a *API) handBackAs(w http.ResponseWriter, r *http.Request, override bool) {
	var req handBackRequest
	if err := decodeRequest(w, r, &req, true); err != nil {
		a.fail(w, r, err)
		return
	}
	if req.WaiveReason != "" && !a.require(w, r, RoleLead) {
		return // waiving what is owed is a lead's call
	}
	s, err := a.session(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.decideOnSession(w, r, s, http.StatusOK, http.StatusOK, func(c *domain.Charger, x domain.Ctx, t domain.Tariff) ([]domain.Event, error) {
		return c.HandBackClaimed(x, t, s.ID, req.WaiveReason, a.claim(req, override))
	})
}
