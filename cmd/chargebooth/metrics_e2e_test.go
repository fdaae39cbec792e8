package main

import (
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func scrape(t *testing.T, m *Main) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get("http://" + m.HTTPURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return fams
}

// total sums a family's counter, gauge or histogram-count values whose
// labels include want.
func total(f *dto.MetricFamily, want map[string]string) float64 {
	if f == nil {
		return 0
	}
	var sum float64
	for _, m := range f.Metric {
		ok := true
		for k, v := range want {
			found := false
			for _, l := range m.Label {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			ok = ok && found
		}
		if !ok {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum
}

func TestMetricsMoveWithTraffic(t *testing.T) {
	m := startMain(t, t.TempDir())
	before := scrape(t, m)
	families := []string{
		"chargebooth_chargers_connected", "chargebooth_widgets_connected",
		"chargebooth_readings_accepted_total", "chargebooth_readings_rejected_total",
		"chargebooth_append_seconds", "chargebooth_consumer_lag", "chargebooth_stream_last_sequence",
		"chargebooth_projection_applied_sequence", "chargebooth_widget_messages_sent_total",
		"chargebooth_widget_messages_dropped_total", "chargebooth_live_clients",
		"chargebooth_http_requests_total", "chargebooth_http_request_seconds", "chargebooth_events_applied_total",
	}
	w := dialWidget(t, m, "wABCD")
	c := dialCharger(t, m, "c1234")
	for _, soc := range []string{"10", "50", "90"} {
		c.send(reading(soc))
		w.status(5 * time.Second)
	}
	c.send(reading("101"))
	c.nextFrame(5 * time.Second)
	api(t, m, "GET", "/api/chargers", "", nil)
	checkFor(t, 5*time.Second, func() bool {
		return total(scrape(t, m)["chargebooth_stream_last_sequence"], nil) >= float64(m.Board.Applied())
	})
	after := scrape(t, m)
	for _, name := range families {
		if after[name] == nil {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	moved := []struct {
		family string
		labels map[string]string
		delta  float64
	}{
		{"chargebooth_readings_accepted_total", nil, 3},
		{"chargebooth_readings_rejected_total", map[string]string{"code": "invalid_soc"}, 1},
		{"chargebooth_append_seconds", nil, 3},
		{"chargebooth_widget_messages_sent_total", nil, 3},
		{"chargebooth_chargers_connected", nil, 1},
		{"chargebooth_widgets_connected", nil, 1},
		{"chargebooth_http_requests_total", map[string]string{"route": "GET /api/chargers", "code": "200"}, 1},
		{"chargebooth_events_applied_total", map[string]string{"type": "charger.soc_reported"}, 3},
	}
	for _, tt := range moved {
		got := total(after[tt.family], tt.labels) - total(before[tt.family], tt.labels)
		if got != tt.delta {
			t.Errorf("%s%v moved by %g, want %g", tt.family, tt.labels, got, tt.delta)
		}
	}
	if lag := total(after["chargebooth_consumer_lag"], nil); lag != 0 {
		t.Errorf("consumer lag %g after catching up, want 0", lag)
	}
}
