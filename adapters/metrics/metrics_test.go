package metrics_test

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/metrics"
	dto "github.com/prometheus/client_model/go"
)

// chargerObserver mirrors the charger edge's Observer interface.
type chargerObserver interface {
	Connected(protocol string, delta int)
	Reading(code string)
	Appended(d time.Duration)
}

// widgetObserver mirrors the widget edge's Observer interface.
type widgetObserver interface {
	Connected(delta int)
	Sent()
	Dropped()
}

var (
	_ chargerObserver = (*metrics.ChargerObserver)(nil)
	_ widgetObserver  = (*metrics.WidgetObserver)(nil)
)

// drive makes the traffic the assertions in TestFamilies expect.
func drive(m *metrics.Metrics) {
	c := m.Chargers()
	c.Connected("json", 1)
	c.Connected("json", 1)
	c.Connected("ocpp1.6", 1)
	c.Connected("json", -1)
	for range 5 {
		c.Reading("")
	}
	c.Reading("invalid_soc")
	c.Reading("invalid_soc")
	c.Reading("malformed_json")
	c.Appended(200 * time.Microsecond)
	c.Appended(3 * time.Millisecond)
	c.Appended(2 * time.Second)

	w := m.Widgets()
	w.Connected(1)
	w.Connected(1)
	w.Connected(1)
	w.Connected(-1)
	for range 7 {
		w.Sent()
	}
	w.Dropped()
	w.Dropped()

	m.LiveClients(1)
	m.LiveClients(1)
	m.LiveClients(1)
	m.LiveClients(-1)

	m.ObserveHTTP("GET /api/chargers", 200, time.Millisecond)
	m.ObserveHTTP("GET /api/chargers", 200, 2*time.Millisecond)
	m.ObserveHTTP("GET /api/chargers/{id}", 404, time.Millisecond)
	m.ObserveHTTP("", 401, time.Millisecond)

	for range 4 {
		m.EventApplied("charger.soc_reported")
	}
	m.EventApplied("session.opened")
}

func TestFamilies(t *testing.T) {
	m := metrics.New(metrics.Options{
		StreamLastSeq: func() uint64 { return 120 },
		Applied:       func() uint64 { return 100 },
	})
	drive(m)
	fams := scrape(t, m)

	tests := []struct {
		family string
		labels []string
		typ    dto.MetricType
		want   float64
	}{
		{"chargebooth_chargers_connected", []string{"protocol", "json"}, dto.MetricType_GAUGE, 1},
		{"chargebooth_chargers_connected", []string{"protocol", "ocpp1.6"}, dto.MetricType_GAUGE, 1},
		{"chargebooth_readings_accepted_total", nil, dto.MetricType_COUNTER, 5},
		{"chargebooth_readings_rejected_total", []string{"code", "invalid_soc"}, dto.MetricType_COUNTER, 2},
		{"chargebooth_readings_rejected_total", []string{"code", "malformed_json"}, dto.MetricType_COUNTER, 1},
		{"chargebooth_append_seconds", nil, dto.MetricType_HISTOGRAM, 3},
		{"chargebooth_widgets_connected", nil, dto.MetricType_GAUGE, 2},
		{"chargebooth_widget_messages_sent_total", nil, dto.MetricType_COUNTER, 7},
		{"chargebooth_widget_messages_dropped_total", nil, dto.MetricType_COUNTER, 2},
		{"chargebooth_live_clients", nil, dto.MetricType_GAUGE, 2},
		{"chargebooth_http_requests_total", []string{"route", "GET /api/chargers", "code", "200"}, dto.MetricType_COUNTER, 2},
		{"chargebooth_http_requests_total", []string{"route", "GET /api/chargers/{id}", "code", "404"}, dto.MetricType_COUNTER, 1},
		{"chargebooth_http_requests_total", []string{"route", metrics.Overflow, "code", "401"}, dto.MetricType_COUNTER, 1},
		{"chargebooth_http_request_seconds", []string{"route", "GET /api/chargers"}, dto.MetricType_HISTOGRAM, 2},
		{"chargebooth_http_request_seconds", []string{"route", "GET /api/chargers/{id}"}, dto.MetricType_HISTOGRAM, 1},
		{"chargebooth_stream_last_sequence", nil, dto.MetricType_GAUGE, 120},
		{"chargebooth_projection_applied_sequence", nil, dto.MetricType_GAUGE, 100},
		{"chargebooth_consumer_lag", nil, dto.MetricType_GAUGE, 20},
		{"chargebooth_events_applied_total", []string{"type", "charger.soc_reported"}, dto.MetricType_COUNTER, 4},
		{"chargebooth_events_applied_total", []string{"type", "session.opened"}, dto.MetricType_COUNTER, 1},
		{"go_goroutines", nil, dto.MetricType_GAUGE, -1},
		{"process_start_time_seconds", nil, dto.MetricType_GAUGE, -1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.family, tt.labels), func(t *testing.T) {
			fam := fams[tt.family]
			if fam == nil {
				t.Fatalf("family %s missing from /metrics", tt.family)
			}
			if got, want := fam.GetType(), tt.typ; got != want {
				t.Errorf("type = %v, want %v", got, want)
			}
			if fam.GetHelp() == "" {
				t.Errorf("no HELP")
			}
			got, ok := value(t, fams, tt.family, tt.labels...)
			if !ok {
				t.Fatalf("no series with labels %v", tt.labels)
			}
			if tt.want >= 0 && got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCountersMoveWithTraffic(t *testing.T) {
	m := metrics.New(metrics.Options{})
	drive(m)
	before := scrape(t, m)
	drive(m)
	after := scrape(t, m)

	tests := []struct {
		family string
		labels []string
		delta  float64
	}{
		{"chargebooth_readings_accepted_total", nil, 5},
		{"chargebooth_readings_rejected_total", []string{"code", "invalid_soc"}, 2},
		{"chargebooth_append_seconds", nil, 3},
		{"chargebooth_widget_messages_sent_total", nil, 7},
		{"chargebooth_widget_messages_dropped_total", nil, 2},
		{"chargebooth_http_requests_total", []string{"route", "GET /api/chargers", "code", "200"}, 2},
		{"chargebooth_events_applied_total", []string{"type", "charger.soc_reported"}, 4},
		{"chargebooth_chargers_connected", []string{"protocol", "json"}, 1},
		{"chargebooth_widgets_connected", nil, 2},
		{"chargebooth_live_clients", nil, 2},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.family, tt.labels), func(t *testing.T) {
			b, ok := value(t, before, tt.family, tt.labels...)
			if !ok {
				t.Fatalf("no series before")
			}
			a, ok := value(t, after, tt.family, tt.labels...)
			if !ok {
				t.Fatalf("no series after")
			}
			if got, want := a-b, tt.delta; got != want {
				t.Errorf("moved by %v, want %v", got, want)
			}
		})
	}
}

func TestAppendBuckets(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.Chargers().Appended(50 * time.Microsecond)
	fams := scrape(t, m)
	h := fams["chargebooth_append_seconds"].GetMetric()[0].GetHistogram()
	var b []*dto.Bucket
	for _, bk := range h.GetBucket() {
		if !math.IsInf(bk.GetUpperBound(), 1) { // the text format adds +Inf
			b = append(b, bk)
		}
	}
	if got, want := b[0].GetUpperBound(), 0.0001; got != want {
		t.Errorf("first bucket = %v, want %v", got, want)
	}
	if got, want := b[0].GetCumulativeCount(), uint64(1); got != want {
		t.Errorf("first bucket count = %v, want %v", got, want)
	}
	if got, want := b[len(b)-1].GetUpperBound(), 5.0; got != want {
		t.Errorf("last bucket = %v, want %v", got, want)
	}
}

func TestLag(t *testing.T) {
	tests := []struct {
		name          string
		last, applied uint64
		want          uint64
	}{
		{"empty stream", 0, 0, 0},
		{"caught up", 42, 42, 0},
		{"behind", 120, 100, 20},
		{"nothing applied", 7, 0, 7},
		{"applied ahead of cached last", 100, 120, 0},
		{"cached last zero", 0, 5, 0},
		{"max", ^uint64(0), 0, ^uint64(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := metrics.Lag(tt.last, tt.applied); got != tt.want {
				t.Errorf("Lag(%d, %d) = %d, want %d", tt.last, tt.applied, got, tt.want)
			}
			m := metrics.New(metrics.Options{
				StreamLastSeq: func() uint64 { return tt.last },
				Applied:       func() uint64 { return tt.applied },
			})
			got, ok := value(t, scrape(t, m), "chargebooth_consumer_lag")
			if !ok {
				t.Fatal("chargebooth_consumer_lag missing")
			}
			if got < 0 {
				t.Errorf("consumer_lag = %v, negative", got)
			}
			if want := float64(tt.want); got != want {
				t.Errorf("consumer_lag = %v, want %v", got, want)
			}
		})
	}
}

func TestNilLagFuncsReadZero(t *testing.T) {
	fams := scrape(t, metrics.New(metrics.Options{}))
	for _, name := range []string{"chargebooth_stream_last_sequence", "chargebooth_projection_applied_sequence", "chargebooth_consumer_lag"} {
		t.Run(name, func(t *testing.T) {
			got, ok := value(t, fams, name)
			if !ok {
				t.Fatalf("%s missing", name)
			}
			if got != 0 {
				t.Errorf("got %v, want 0", got)
			}
		})
	}
}

func TestLiveClientsFunc(t *testing.T) {
	var n atomic.Int64
	n.Store(9)
	tests := []struct {
		name string
		opts metrics.Options
		set  func(m *metrics.Metrics)
		want float64
	}{
		{"count", metrics.Options{}, func(m *metrics.Metrics) { m.LiveClients(1); m.LiveClients(1) }, 2},
		{"option func", metrics.Options{LiveClients: func() int { return int(n.Load()) }}, func(m *metrics.Metrics) { m.LiveClients(1) }, 9},
		{"set later", metrics.Options{}, func(m *metrics.Metrics) { m.SetLiveClientsFunc(func() int { return 4 }) }, 4},
		{"unset", metrics.Options{LiveClients: func() int { return 4 }}, func(m *metrics.Metrics) { m.LiveClients(3); m.SetLiveClientsFunc(nil) }, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := metrics.New(tt.opts)
			tt.set(m)
			got, ok := value(t, scrape(t, m), "chargebooth_live_clients")
			if !ok {
				t.Fatal("chargebooth_live_clients missing")
			}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLabelValuesBounded(t *testing.T) {
	tests := []struct {
		name   string
		family string
		label  string
		drive  func(m *metrics.Metrics, i int)
	}{
		{"event types", "chargebooth_events_applied_total", "type", func(m *metrics.Metrics, i int) { m.EventApplied(fmt.Sprintf("t%d", i)) }},
		{"reject codes", "chargebooth_readings_rejected_total", "code", func(m *metrics.Metrics, i int) { m.Chargers().Reading(fmt.Sprintf("c%d", i)) }},
		{"protocols", "chargebooth_chargers_connected", "protocol", func(m *metrics.Metrics, i int) { m.Chargers().Connected(fmt.Sprintf("p%d", i), 1) }},
		{"routes", "chargebooth_http_request_seconds", "route", func(m *metrics.Metrics, i int) { m.ObserveHTTP(fmt.Sprintf("/raw/%d", i), 200, 0) }},
	}
	const calls = metrics.MaxLabelValues + 50
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := metrics.New(metrics.Options{})
			for i := range calls {
				tt.drive(m, i)
			}
			fams := scrape(t, m)
			if got, want := len(fams[tt.family].GetMetric()), metrics.MaxLabelValues+1; got != want {
				t.Errorf("series = %d, want %d", got, want)
			}
			got, ok := value(t, fams, tt.family, tt.label, metrics.Overflow)
			if !ok {
				t.Fatalf("no %q series", metrics.Overflow)
			}
			if want := float64(calls - metrics.MaxLabelValues); got != want {
				t.Errorf("overflow series = %v, want %v", got, want)
			}
		})
	}
}

func TestHTTPCodeBounded(t *testing.T) {
	tests := []struct {
		code int
		want string
	}{
		{200, "200"},
		{599, "599"},
		{99, metrics.Overflow},
		{600, metrics.Overflow},
		{-1, metrics.Overflow},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			m := metrics.New(metrics.Options{})
			m.ObserveHTTP("GET /healthz", tt.code, time.Millisecond)
			got, ok := value(t, scrape(t, m), "chargebooth_http_requests_total", "route", "GET /healthz", "code", tt.want)
			if !ok || got != 1 {
				t.Errorf("code %d: got %v (present %v), want 1 under code=%q", tt.code, got, ok, tt.want)
			}
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	m := metrics.New(metrics.Options{})
	const workers, each = 8, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				m.Chargers().Reading("")
				m.Chargers().Reading(fmt.Sprintf("code%d", (w*each+i)%100))
				m.Widgets().Sent()
				m.EventApplied("charger.soc_reported")
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			scrape(t, m)
		}
	})
	wg.Wait()
	fams := scrape(t, m)
	if got, _ := value(t, fams, "chargebooth_readings_accepted_total"); got != workers*each {
		t.Errorf("accepted = %v, want %v", got, workers*each)
	}
	var rejected float64
	for _, mt := range fams["chargebooth_readings_rejected_total"].GetMetric() {
		rejected += mt.GetCounter().GetValue()
	}
	if got, want := rejected, float64(workers*each); got != want {
		t.Errorf("rejected (all codes) = %v, want %v", got, want)
	}
	if got, want := len(fams["chargebooth_readings_rejected_total"].GetMetric()), metrics.MaxLabelValues+1; got != want {
		t.Errorf("rejected series = %d, want %d", got, want)
	}
}
