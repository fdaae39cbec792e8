package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/eventstore/estest"
)

// TestStoreLimitRoutes: GET and PUT /api/store show and change a real
// embedded server's storage limit; bad bodies are 400 saying why and
// change nothing; without a limit to manage (external NATS) both are 501.
func TestStoreLimitRoutes(t *testing.T) {
	emb := estest.Server(t, t.TempDir(), "127.0.0.1:-1")
	e := newEnv(t, func(c *httpapi.Config) { c.StoreLimit = emb })
	var st struct {
		MaxStoreBytes int64 `json:"maxStoreBytes"`
		Full          bool  `json:"full"`
	}
	e.must(http.StatusOK, "GET", "/api/store", "").decode(t, &st)
	before := st.MaxStoreBytes
	if before == 0 || st.Full {
		t.Fatalf("GET /api/store: %+v, want a limit and not full", st)
	}
	e.must(http.StatusOK, "PUT", "/api/store", `{"maxStoreBytes":8388608}`).decode(t, &st)
	if st.MaxStoreBytes != 8<<20 || emb.MaxStore() != 8<<20 {
		t.Fatalf("PUT 8 MiB: answer %d, server %d, want %d", st.MaxStoreBytes, emb.MaxStore(), 8<<20)
	}
	tests := []struct {
		name, body, want string
	}{
		{"negative", `{"maxStoreBytes":-1}`, "maxStoreBytes must be a number of bytes"},
		{"missing", `{}`, "maxStoreBytes must be a number of bytes"},
		{"not a number", `{"maxStoreBytes":"lots"}`, "maxStoreBytes"},
		{"wrong case", `{"MAXSTOREBYTES":1}`, "case-sensitive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := e.must(http.StatusBadRequest, "PUT", "/api/store", tt.body).apiError(t)
			if code == "" || !strings.Contains(msg, tt.want) {
				t.Errorf("got %s %q, want a message containing %q", code, msg, tt.want)
			}
			if got := emb.MaxStore(); got != 8<<20 {
				t.Errorf("limit changed to %d by a refused request", got)
			}
		})
	}

	ext := newEnv(t)
	for _, m := range []string{"GET", "PUT"} {
		if _, msg := ext.must(http.StatusNotImplemented, m, "/api/store", `{"maxStoreBytes":1}`).apiError(t); !strings.Contains(msg, "external NATS") {
			t.Errorf("%s without a limit: %q, want it to say the limits are the external server's", m, msg)
		}
	}
}
