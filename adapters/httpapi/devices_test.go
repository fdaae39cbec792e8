package httpapi_test

import (
	"net/http"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestDeviceRoutes(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, method, path, body string
		want                     int
		wantCode                 string
	}{
		{name: "unknown list", method: "PUT", path: "/api/devices/phones/p1", want: 404, wantCode: "not_found"},
		{name: "bad id", method: "PUT", path: "/api/devices/chargers/c%201", want: 400, wantCode: "invalid_id"},
		{name: "secret and generateSecret", method: "PUT", path: "/api/devices/chargers/c1", body: `{"secret":"0123456789abc","generateSecret":true}`, want: 400, wantCode: "invalid_input"},
		{name: "short secret", method: "PUT", path: "/api/devices/chargers/c1", body: `{"secret":"short"}`, want: 400, wantCode: "invalid_input"},
		{name: "unknown field", method: "PUT", path: "/api/devices/chargers/c1", body: `{"password":"0123456789abc"}`, want: 400},
		{name: "unenrol unknown", method: "DELETE", path: "/api/devices/widgets/w1", want: 404, wantCode: "not_found"},
		{name: "get unknown", method: "GET", path: "/api/devices/widgets/w1", want: 404, wantCode: "not_found"},
		{name: "retire unknown", method: "DELETE", path: "/api/chargers/c404", want: 404, wantCode: "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.must(tt.want, tt.method, tt.path, tt.body)
			if tt.wantCode != "" {
				if code, msg := r.apiError(t); code != tt.wantCode {
					t.Errorf("code: got %q (%s), want %q", code, msg, tt.wantCode)
				}
			}
		})
	}

	var dev struct {
		Kind      string `json:"kind"`
		ID        string `json:"id"`
		HasSecret bool   `json:"hasSecret"`
		Secret    string `json:"secret"`
	}
	e.must(http.StatusOK, "PUT", "/api/devices/chargers/c1", `{"secret":"0123456789abc"}`).decode(t, &dev)
	if dev.Kind != "charger" || dev.ID != "c1" || !dev.HasSecret || dev.Secret != "" {
		t.Errorf("enrolled with a secret: %+v (the given secret is never echoed)", dev)
	}
	d, ok := e.board.Device("charger", "c1")
	if !ok || bcrypt.CompareHashAndPassword([]byte(d.SecretHash), []byte("0123456789abc")) != nil {
		t.Fatalf("stored hash does not match the secret: %+v %v", d, ok)
	}
	e.must(http.StatusOK, "PUT", "/api/devices/chargers/c1", `{"generateSecret":true}`).decode(t, &dev)
	if len(dev.Secret) != 24 {
		t.Errorf("generated secret %q, want 24 characters", dev.Secret)
	}
	d2, _ := e.board.Device("charger", "c1")
	if bcrypt.CompareHashAndPassword([]byte(d2.SecretHash), []byte(dev.Secret)) != nil {
		t.Error("the generated secret does not match the stored hash")
	}
	e.must(http.StatusOK, "GET", "/api/devices/chargers/c1", "")
	e.must(http.StatusNoContent, "DELETE", "/api/devices/chargers/c1", "")
	e.must(http.StatusNotFound, "GET", "/api/devices/chargers/c1", "")

	// A charger with an open session is not retired.
	e.reading("c2", 10)
	e.caughtUp()
	if code, _ := e.must(http.StatusConflict, "DELETE", "/api/chargers/c2", "").apiError(t); code != "session_open" {
		t.Errorf("retire with an open session: %s, want session_open", code)
	}
}
