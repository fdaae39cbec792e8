package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestPprofRoutes: --pprof adds the profiles and POST /debug/gc (what
// make bench's idle profile asks for) beside the server's own routes.
func TestPprofRoutes(t *testing.T) {
	h := withPprof(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{http.MethodPost, "/debug/gc", http.StatusNoContent},
		{http.MethodGet, "/debug/gc", http.StatusMethodNotAllowed},
		{http.MethodGet, "/debug/pprof/", http.StatusOK},
		{http.MethodGet, "/readyz", http.StatusTeapot},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.want {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, rec.Code, tc.want)
		}
	}
}
