package metrics

import "github.com/prometheus/client_golang/prometheus"

// ocppRefusedReasons are the reasons OCPPRefused counts; others count as
// "other", so a caller cannot grow the family.
var ocppRefusedReasons = map[string]bool{"rate_limited": true, "not_booted": true, "meter_limit": true}

func (m *Metrics) registerOCPP() {
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "ocpp_refused_total",
		Help:      "OCPP calls refused before they were served: rate_limited, not_booted (BootNotification not Accepted), meter_limit.",
	}, []string{"reason"})
	m.reg.MustRegister(refused)
	m.ocppRefused = refused
}

// OCPPRefused counts one OCPP call refused by a limit or the boot rule in
// chargebooth_ocpp_refused_total{reason}. Its signature is the charger
// edge's hook; the charger id is not a label.
func (m *Metrics) OCPPRefused(_, reason string) {
	if !ocppRefusedReasons[reason] {
		reason = "other"
	}
	m.ocppRefused.WithLabelValues(reason).Inc()
}
