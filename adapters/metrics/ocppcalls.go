package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ocppCallActions are the server-initiated actions OCPPCall counts by
// name; any other counts as "other", so the family stays bounded.
var ocppCallActions = map[string]bool{
	"Reset": true, "ChangeAvailability": true, "GetConfiguration": true, "ChangeConfiguration": true,
	"ClearCache": true, "UnlockConnector": true, "TriggerMessage": true, "DataTransfer": true,
	"GetLocalListVersion": true, "SendLocalList": true, "RemoteStartTransaction": true, "RemoteStopTransaction": true,
}

// OCPPCallOutcomes are the outcomes OCPPCall counts (others are "other").
var ocppCallOutcomes = map[string]bool{"answered": true, "call_error": true, "invalid_answer": true, "timeout": true, "failed": true}

// ocppCallMetrics are the families of server-initiated OCPP calls.
type ocppCallMetrics struct {
	calls   *prometheus.CounterVec   // {action, outcome}
	seconds *prometheus.HistogramVec // {action}
}

func newOCPPCallMetrics(reg *prometheus.Registry) *ocppCallMetrics {
	o := &ocppCallMetrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "ocpp_calls_total",
			Help:      "Server-initiated OCPP calls by action and outcome: answered, call_error (a CALLERROR), invalid_answer (the confirmation breaks the schema), timeout, failed (the socket closed).",
		}, []string{"action", "outcome"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace,
			Name:      "ocpp_call_seconds",
			Help:      "How long chargers take to answer server-initiated OCPP calls, by action.",
			Buckets:   latencyBuckets,
		}, []string{"action"}),
	}
	reg.MustRegister(o.calls, o.seconds)
	return o
}

// OCPPCall counts one server-initiated OCPP call that ended with outcome
// (answered, call_error, invalid_answer, timeout, failed) after d, in
// chargebooth_ocpp_calls_total{action,outcome} and, when the charger
// answered, chargebooth_ocpp_call_seconds{action}. Its signature is the
// charger edge's hook (charger.OCPPConfig.Called).
func (m *Metrics) OCPPCall(action, outcome string, d time.Duration) {
	if !ocppCallActions[action] {
		action = "other"
	}
	if !ocppCallOutcomes[outcome] {
		outcome = "other"
	}
	m.ocppCalls.calls.WithLabelValues(action, outcome).Inc()
	if outcome == "answered" || outcome == "call_error" || outcome == "invalid_answer" {
		m.ocppCalls.seconds.WithLabelValues(action).Observe(d.Seconds())
	}
}
