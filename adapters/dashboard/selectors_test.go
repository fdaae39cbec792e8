package dashboard_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chargebooth/chargebooth/adapters/dashboard"
)

// TestSelectors pins the element ids and data attributes browser tests rely
// on: renaming one in the page or the script breaks this test first.
func TestSelectors(t *testing.T) {
	h := dashboard.Handler()
	_, page := get(t, h, http.MethodGet, "/", nil)
	_, script := get(t, h, http.MethodGet, "/static/app.js", nil)
	tests := []struct {
		name string
		body string
		want string
	}{
		{"app root", page, `id="app"`},
		{"connection state", page, `id="conn" data-state="connecting"`},
		{"log", page, `id="log"`},
		{"notice banner", page, `id="notice-banner"`},
		{"token form", page, `id="token-form"`},
		{"notice form", page, `id="notice-form"`},
		{"led", page, `data-led data-status="none"`},
		{"soc", page, `data-soc`},
		{"balance", page, `data-balance`},
		{"overdue badge", page, `data-overdue`},
		{"pay cash", page, `data-action="pay-cash"`},
		{"pay card", page, `data-action="pay-card"`},
		{"hand back", page, `data-action="handback"`},
		{"hand back waived", page, `data-action="handback-waive"`},
		{"check in", page, `data-action="checkin"`},
		{"pair", page, `data-action="pair"`},
		{"unpair", page, `data-action="unpair"`},
		{"remote start", page, `data-action="remote-start"`},
		{"remote stop", page, `data-action="remote-stop"`},
		{"amount", page, `data-field="amount"`},
		{"widget", page, `data-field="widget"`},
		{"waive", page, `data-field="waive"`},
		{"card charger id", script, `el.dataset.charger = id`},
		{"led status", script, `card.led.dataset.status = status`},
		{"live states", script, `{ live: 'live', connecting: 'connecting…', offline: 'offline, retrying' }`},
		{"subscribe all", script, `{ action: 'subscribe', chargerId: '*' }`},
		{"idempotency key", script, `'Idempotency-Key': card.idemKey`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(tt.body, tt.want) {
				t.Errorf("%s: %q not found", tt.name, tt.want)
			}
		})
	}
}
