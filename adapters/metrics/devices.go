package metrics

import "github.com/prometheus/client_golang/prometheus"

// deviceKinds and deviceCauses bound the labels DeviceRefused counts;
// anything else counts as "other".
var (
	deviceKinds  = map[string]bool{"charger": true, "widget": true}
	deviceCauses = map[string]bool{"starting": true, "not_enrolled": true, "unauthorized": true,
		"replaced_too_often": true, "new_ids": true, "unenrolled_cap": true, "not_allowed": true}
)

func (m *Metrics) registerDevices() {
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "devices_refused_total",
		Help:      "Charger and widget connections refused before the upgrade by the device policy, by kind and cause (not_enrolled, unauthorized, replaced_too_often, new_ids, unenrolled_cap, not_allowed, starting).",
	}, []string{"kind", "cause"})
	m.reg.MustRegister(refused)
	m.devicesRefused = refused
}

// DeviceRefused counts one connection the device policy refused in
// chargebooth_devices_refused_total{kind,cause}.
func (m *Metrics) DeviceRefused(kind, cause string) {
	if !deviceKinds[kind] {
		kind = "other"
	}
	if !deviceCauses[cause] {
		cause = "other"
	}
	m.devicesRefused.WithLabelValues(kind, cause).Inc()
}
