package metrics_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chargebooth/chargebooth/adapters/metrics"
)

func TestSocketIOClients(t *testing.T) {
	scrape := func(m *metrics.Metrics) string {
		t.Helper()
		w := httptest.NewRecorder()
		m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
		b, _ := io.ReadAll(w.Body)
		return string(b)
	}
	m := metrics.New(metrics.Options{})
	if got := scrape(m); strings.Contains(got, "chargebooth_socketio_clients") {
		t.Errorf("the gauge is shown before the edge set it")
	}
	n := 3
	m.SetSocketIOClientsFunc(func() int { return n })
	m.SetSocketIOClientsFunc(func() int { return 99 }) // once: ignored
	if got, want := scrape(m), "chargebooth_socketio_clients 3\n"; !strings.Contains(got, want) {
		t.Errorf("scrape lacks %q", want)
	}
	n = 1
	if got, want := scrape(m), "chargebooth_socketio_clients 1\n"; !strings.Contains(got, want) {
		t.Errorf("scrape lacks %q", want)
	}
}
