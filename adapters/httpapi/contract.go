package httpapi

import (
	"net/http"

	"github.com/chargebooth/chargebooth/docs"
)

// openAPI serves the OpenAPI 3.1 document of this API (docs/openapi.json),
// as every /api/ route to any signed-in role.
func (a *API) openAPI(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(docs.OpenAPI)
}
