package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chargebooth/chargebooth/adapters/metrics"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape GETs the handler and parses the body with the Prometheus text
// parser.
func scrape(tb testing.TB, m *metrics.Metrics) map[string]*dto.MetricFamily {
	tb.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	resp, err := srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if got, want := resp.StatusCode, http.StatusOK; got != want {
		tb.Fatalf("GET /metrics: status %d, want %d", got, want)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		tb.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value returns the value of the series of family name whose labels include
// labels (name, value pairs): the counter or gauge value, or a histogram's
// sample count. ok is false when there is no such series.
func value(tb testing.TB, fams map[string]*dto.MetricFamily, name string, labels ...string) (v float64, ok bool) {
	tb.Helper()
	fam := fams[name]
	if fam == nil {
		return 0, false
	}
	for _, mt := range fam.GetMetric() {
		if !hasLabels(mt, labels) {
			continue
		}
		switch {
		case mt.Counter != nil:
			return mt.Counter.GetValue(), true
		case mt.Gauge != nil:
			return mt.Gauge.GetValue(), true
		case mt.Histogram != nil:
			return float64(mt.Histogram.GetSampleCount()), true
		case mt.Untyped != nil:
			return mt.Untyped.GetValue(), true
		}
	}
	return 0, false
}

func hasLabels(mt *dto.Metric, labels []string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		found := false
		for _, lp := range mt.GetLabel() {
			if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
