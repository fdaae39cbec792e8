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
	var script string
	for _, m := range modules {
		_, body := get(t, h, http.MethodGet, "/static/"+m, nil)
		script += body
	}
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
		{"search box", page, `id="search"`},
		{"search form", page, `id="search-form"`},
		{"filter chips", page, `id="filters"`},
		{"filter ready", page, `data-filter="ready"`},
		{"filter count", page, `data-count`},
		{"sort", page, `id="sort"`},
		{"tiles", page, `id="tiles"`},
		{"tile template", page, `id="tile-tpl"`},
		{"tile", page, `class="tile" data-charger="" data-bucket="free"`},
		{"panel", page, `id="panel" class="side-panel" role="dialog" aria-labelledby="panel-title" data-charger=""`},
		{"panel close", page, `id="panel-close"`},
		{"timeline", page, `id="timeline"`},
		{"ticket slot", page, `data-slot="ticket"`},
		{"claim slot", page, `data-slot="handback-claim"`},
		{"check-in slot", page, `data-slot="checkin-extra"`},
		{"led", page, `data-led data-status="none"`},
		{"soc", page, `data-soc`},
		{"balance", page, `data-balance`},
		{"overdue badge", page, `data-overdue`},
		{"pay cash", page, `data-action="pay-cash"`},
		{"pay card", page, `data-action="pay-card"`},
		{"hand back", page, `data-action="handback"`},
		{"hand back waived", page, `data-action="handback-waive"`},
		{"check in", page, `data-action="checkin"`},
		{"check-in widget", page, `data-field="checkin-widget"`},
		{"pair", page, `data-action="pair"`},
		{"unpair", page, `data-action="unpair"`},
		{"remote start", page, `data-action="remote-start"`},
		{"remote stop", page, `data-action="remote-stop"`},
		{"ocpp controls", page, `id="ocpp-controls" data-role="ops"`},
		{"soft reset", page, `data-ocpp="reset-soft" data-role="ops"`},
		{"hard reset", page, `data-ocpp="reset-hard" data-role="ops"`},
		{"reset confirm", page, `data-ocpp="confirm" data-role="ops"`},
		{"operative", page, `data-ocpp="operative" data-role="ops"`},
		{"inoperative", page, `data-ocpp="inoperative" data-role="ops"`},
		{"unlock", page, `data-ocpp="unlock" data-role="ops"`},
		{"trigger status", page, `data-ocpp="trigger-status" data-role="ops"`},
		{"trigger meter values", page, `data-ocpp="trigger-meter" data-role="ops"`},
		{"read configuration", page, `data-ocpp="get-config" data-role="ops"`},
		{"configuration rows", page, `data-config-rows`},
		{"connector field", page, `data-field="ocpp-connector"`},
		{"ocpp timeline", page, `id="ocpp-timeline"`},
		{"save configuration key", script, `save.dataset.ocpp = 'set-config'`},
		{"amount", page, `data-field="amount"`},
		{"widget", page, `data-field="widget"`},
		{"waive", page, `data-field="waive"`},
		{"tile charger id", script, `el.dataset.charger = id`},
		{"tile led status", script, `setData(t.led, 'status', status)`},
		{"tile bucket", script, `t.el.dataset.bucket = b`},
		{"panel charger id", script, `el.dataset.charger = id`},
		{"live states", script, `{ live: 'live', connecting: 'connecting…', offline: 'offline, retrying' }`},
		{"subscribe all", script, `{ action: 'subscribe', chargerId: '*' }`},
		{"idempotency key", script, `'Idempotency-Key': panel.idemKey`},
		{"frame batching", script, `requestAnimationFrame(drain)`},
		{"search extension", script, `export function addResolver(fn)`},
		{"panel extension", script, `export function addPanelRenderer(fn)`},
		{"claim code", page, `data-ref="claimCode"`},
		{"print ticket", page, `data-ticket-action="print"`},
		{"ticket dialog", page, `id="ticket-dialog"`},
		{"claim field", page, `data-field="claim"`},
		{"override", page, `data-ticket-action="override"`},
		{"label field", page, `data-field="label"`},
		{"request extension", script, `export function addRequestFields(kind, fn)`},
		{"override route", script, `/handback-override`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(tt.body, tt.want) {
				t.Errorf("%s: %q not found", tt.name, tt.want)
			}
		})
	}
}

// modules are the dashboard's ES modules.
var modules = []string{"main.js", "api.js", "util.js", "store.js", "live.js", "tiles.js", "search.js", "panel.js", "tickets.js", "notices.js", "ocpp.js"}
