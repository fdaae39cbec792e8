//go:build !nocontract

package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/docs"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
)

// contract is the OpenAPI document, parsed once for every test.
var contract struct {
	once sync.Once
	mu   sync.Mutex // the validator is used by one request at a time
	doc  libopenapi.Document
	v    validator.Validator
	err  error
}

// openAPI returns the parsed document and its validator.
func openAPI(tb testing.TB) (libopenapi.Document, validator.Validator) {
	tb.Helper()
	contract.once.Do(func() {
		doc, err := libopenapi.NewDocument(docs.OpenAPI)
		if err != nil {
			contract.err = fmt.Errorf("parse docs/openapi.json: %w", err)
			return
		}
		v, errs := validator.NewValidator(doc)
		if len(errs) > 0 {
			contract.err = fmt.Errorf("validator of docs/openapi.json: %v", errs)
			return
		}
		contract.doc, contract.v = doc, v
	})
	if contract.err != nil {
		tb.Fatal(contract.err)
	}
	return contract.doc, contract.v
}

// checkContract wraps the API's handler so that every response to a
// registered route is validated against docs/openapi.json before it is
// sent: every API test checks the contract with each request it makes.
// Requests no registered route serves (the JSON 404/405 fallback,
// /healthz, the ticket's style sheet, the dashboard) and WebSocket upgrades
// pass through unchecked.
func checkContract(tb testing.TB, api *httpapi.API, h http.Handler) http.Handler {
	tb.Helper()
	_, v := openAPI(tb)
	routes := map[string]bool{}
	for _, r := range api.Routes() {
		routes[r.Pattern] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !routes[api.PatternOf(r)] || strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		res := rec.Result()
		contract.mu.Lock()
		ok, errs := v.ValidateHttpResponse(r, res)
		contract.mu.Unlock()
		if !ok {
			var b strings.Builder
			for _, e := range errs {
				fmt.Fprintf(&b, "\n  %s: %s (%s)", e.ValidationType, e.Message, e.Reason)
				for _, se := range e.SchemaValidationErrors {
					fmt.Fprintf(&b, "\n    %s: %s", se.FieldPath, se.Reason)
				}
			}
			tb.Errorf("%s %s: response %d does not match docs/openapi.json:%s\n  body: %.600s", r.Method, r.URL.Path, rec.Code, b.String(), rec.Body.Bytes())
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}
