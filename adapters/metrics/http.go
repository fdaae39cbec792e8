package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func (m *Metrics) registerHTTP() {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "http_requests_total",
		Help:      "HTTP requests served, by ServeMux route pattern and status code.",
	}, []string{"route", "code"})
	seconds := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "http_request_seconds",
		Help:      "HTTP request duration, by ServeMux route pattern.",
		Buckets:   latencyBuckets,
	}, []string{"route"})
	m.reg.MustRegister(requests, seconds)
	m.httpRequests = newChildren(requests.WithLabelValues)
	m.httpSeconds = newChildren(seconds.WithLabelValues)
}

// ObserveHTTP records one request in chargebooth_http_requests_total
// {route,code} and chargebooth_http_request_seconds{route}. route must be
// the ServeMux pattern that matched (such as "GET /api/chargers/{id}"),
// never the raw path; "" is recorded as "other". Codes outside 100–599 are
// recorded as "other". Its signature matches the staff API's Observe hook.
func (m *Metrics) ObserveHTTP(route string, code int, d time.Duration) {
	c := Overflow
	if code >= 100 && code <= 599 {
		c = strconv.Itoa(code)
	}
	m.httpRequests.with(route, c).Inc()
	m.httpSeconds.one(route).Observe(d.Seconds())
}
