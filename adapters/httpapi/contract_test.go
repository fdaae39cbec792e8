//go:build !nocontract

package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/docs"
)

// TestOpenAPIDocumentIsValid: docs/openapi.json is an OpenAPI 3.1
// document that passes the specification's schema.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc, v := openAPI(t)
	if got := doc.GetVersion(); !strings.HasPrefix(got, "3.1") {
		t.Errorf("openapi version %q, want 3.1.x", got)
	}
	if ok, errs := v.ValidateDocument(); !ok {
		for _, e := range errs {
			t.Errorf("%s: %s", e.Message, e.Reason)
			for _, se := range e.SchemaValidationErrors {
				t.Errorf("  %s: %s", se.FieldPath, se.Reason)
			}
		}
	}
	if _, err := doc.BuildV3Model(); err != nil {
		t.Errorf("build the model: %v", err)
	}
}

// operation is what the routes and the document say of one method and
// path.
type operation struct {
	Role        string `json:"x-role"`
	OperationID string `json:"operationId"`
	Responses   map[string]json.RawMessage
}

// documented reads the document's operations by "METHOD /path".
func documented(t *testing.T) map[string]operation {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(docs.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]operation{}
	for path, item := range doc.Paths {
		for method, raw := range item {
			switch method {
			case "get", "put", "post", "delete", "patch", "head", "options":
			default:
				continue // parameters, summary …
			}
			var op operation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			out[strings.ToUpper(method)+" "+path] = op
		}
	}
	return out
}

// TestOpenAPICoversEveryRoute: every registered route is documented with
// the role it is registered with, and every documented operation is a
// registered route; every route that needs a credential documents 401.
// A route added without its documentation fails here:
// add it to docs/openapi.json (see the document's info.description).
func TestOpenAPICoversEveryRoute(t *testing.T) {
	e := newEnv(t)
	ops := documented(t)
	registered := map[string]bool{}
	for _, r := range e.api.Routes() {
		registered[r.Pattern] = true
		op, ok := ops[r.Pattern]
		if !ok {
			t.Errorf("route %q is not documented in docs/openapi.json", r.Pattern)
			continue
		}
		if op.Role != string(r.Role) {
			t.Errorf("%s: x-role %q, registered with role %q", r.Pattern, op.Role, r.Role)
		}
		if op.OperationID == "" {
			t.Errorf("%s has no operationId", r.Pattern)
		}
		if _, ok := op.Responses["401"]; !ok && r.Role != httpapi.RolePublic {
			t.Errorf("%s does not document 401", r.Pattern)
		}
	}
	var extra []string
	for k := range ops {
		if !registered[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		t.Errorf("docs/openapi.json documents %q, which no route serves", k)
	}
}

// TestOpenAPIServed: GET /api/openapi.json serves the document, to a
// signed-in client only.
func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t)
	r := e.must(http.StatusOK, "GET", "/api/openapi.json", "")
	if !bytes.Equal(r.body, docs.OpenAPI) {
		t.Error("served document differs from docs/openapi.json")
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	e.must(http.StatusUnauthorized, "GET", "/api/openapi.json", "", "Authorization", "-")
}

// TestContractCheckCatchesMismatches: the validator behind checkContract
// refuses responses the document does not allow, so a passing API test
// means its responses matched.
func TestContractCheckCatchesMismatches(t *testing.T) {
	_, v := openAPI(t)
	tests := []struct {
		name, method, path string
		code               int
		body               string
	}{
		{"wrong type", "GET", "/api/chargers/c1", 200, `{"chargerId":5}`},
		{"missing field", "GET", "/api/pairings/c1", 200, `{"chargerId":"c1"}`},
		{"error without code", "GET", "/api/sessions/s1", 404, `{"error":{"message":"no"}}`},
		{"undocumented status", "POST", "/api/sessions", 202, `{}`},
		{"forbidden without its role", "POST", "/api/shifts/s1/close", 403, `{"error":{"code":"forbidden","message":"no"}}`},
		{"OCPP error code of the wrong type", "POST", "/api/chargers/c1/ocpp/Reset", 502, `{"error":{"code":"ocpp_call_error","message":"no","ocppErrorCode":7}}`},
		{"a body that is not JSON", "GET", "/api/shifts", 200, `<p>`},
		{"undocumented field", "GET", "/api/pairings/c1", 200, `{"chargerId":"c1","widgetId":"w1","since":"yesterday"}`},
		{"undocumented field of a session detail", "GET", "/api/sessions/s1", 200, `{"id":"s","chargerId":"c","widgetId":"","state":"open","openedBy":"","status":"","soc":null,"openedAt":"2026-07-04T18:00:00Z","chargedAt":null,"closedAt":null,"amountDueCents":0,"paidCents":0,"balanceCents":0,"currency":"EUR","waived":false,"overdue":false,"readings":0,"seq":1,"voidedCents":0,"refundedCents":0,"tipCents":0,"timeline":[],"colour":"red"}`},
		{"bad enum", "GET", "/api/sessions", 200, `{"sessions":[{"id":"s","chargerId":"c","widgetId":"","state":"ajar","openedBy":"","status":"","soc":null,"openedAt":"2026-07-04T18:00:00Z","chargedAt":null,"closedAt":null,"amountDueCents":0,"paidCents":0,"balanceCents":0,"currency":"EUR","waived":false,"overdue":false,"readings":0,"seq":1}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, "http://booth"+tt.path, nil)
			res := &http.Response{StatusCode: tt.code, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(tt.body)), Request: req}
			if ok, _ := v.ValidateHttpResponse(req, res); ok {
				t.Errorf("%s %s %d %s passed the contract", tt.method, tt.path, tt.code, tt.body)
			}
		})
	}
	t.Run("a session detail passes", func(t *testing.T) {
		req, _ := http.NewRequest("GET", "http://booth/api/sessions/s1", nil)
		res := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}},
			Body: io.NopCloser(strings.NewReader(`{"id":"s","chargerId":"c","widgetId":"","state":"open","openedBy":"","status":"","soc":null,"openedAt":"2026-07-04T18:00:00Z","chargedAt":null,"closedAt":null,"amountDueCents":0,"paidCents":0,"balanceCents":0,"currency":"EUR","waived":false,"overdue":false,"readings":0,"seq":1,"voidedCents":0,"refundedCents":0,"tipCents":0,"timeline":[]}`)), Request: req}
		if ok, errs := v.ValidateHttpResponse(req, res); !ok {
			t.Errorf("valid session detail refused: %v", errs)
		}
	})
	t.Run("a 403 naming the role passes", func(t *testing.T) {
		req, _ := http.NewRequest("POST", "http://booth/api/shifts/s1/close", nil)
		res := &http.Response{StatusCode: 403, Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}},
			Body: io.NopCloser(strings.NewReader(`{"error":{"code":"forbidden","message":"this needs the lead role; you are staff","role":"lead"}}`)), Request: req}
		if ok, errs := v.ValidateHttpResponse(req, res); !ok {
			t.Errorf("valid 403 refused: %v", errs)
		}
	})
	t.Run("a valid one passes", func(t *testing.T) {
		req, _ := http.NewRequest("GET", "http://booth/api/pairings/c1", nil)
		res := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}},
			Body: io.NopCloser(strings.NewReader(`{"chargerId":"c1","widgetId":"w1"}`)), Request: req}
		if ok, errs := v.ValidateHttpResponse(req, res); !ok {
			t.Errorf("valid pairing refused: %v", errs)
		}
	})
}
