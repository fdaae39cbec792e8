package httpapi

import (
	"net/http"
	"strconv"

	"github.com/chargebooth/chargebooth/domain"
)

// maxAuditRows bounds one audit answer.
const maxAuditRows = 5000

// audit answers GET /api/audit?from&to&actor&limit: the events people
// caused in the range (as the reconciliation's), newest first.
func (a *API) audit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		if k != "from" && k != "to" && k != "actor" && k != "limit" {
			a.fail(w, r, domain.Errorf(domain.CodeInvalidInput, "unknown query parameter %q (use from, to, actor and limit)", k))
			return
		}
	}
	limit := maxAuditRows
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxAuditRows {
			a.fail(w, r, domain.Errorf(domain.CodeInvalidInput, "limit must be a whole number from 1 to %d", maxAuditRows))
			return
		}
		limit = n
	}
	now := a.now()
	from, to, err := reportRange(q.Get("from"), q.Get("to"), now)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rows := a.cfg.Board.Audit(from, to, q.Get("actor"), limit)
	writeJSON(w, http.StatusOK, map[string]any{"from": from.UTC(), "to": to.UTC(), "events": rows})
}
