package metrics

import "github.com/prometheus/client_golang/prometheus"

func (m *Metrics) registerEvents() {
	applied := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "events_applied_total",
		Help:      "Events folded into the projections, by event type.",
	}, []string{"type"})
	m.reg.MustRegister(applied)
	m.eventsApplied = newChildren(applied.WithLabelValues)
	unknown := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "events_unknown_total",
		Help:      "Stored events this build cannot fold (an unknown type, a newer schema, undecodable bytes), skipped by every read model, by event type (\"?\" when not even the type decodes).",
	}, []string{"type"})
	m.reg.MustRegister(unknown)
	m.eventsUnknown = newChildren(unknown.WithLabelValues)
	m.eventsQuarantined = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "events_quarantined_total",
		Help:      "Stored events whose payload breaks the domain's rules (a negative or fractional payment, a pairing of an invalid id), skipped by every read model, by event type and the broken rule's error code (invalid_amount, invalid_id, …). Not in events_unknown_total. Any at all means something other than chargebooth wrote to the store.",
	}, []string{"type", "reason"})
	m.reg.MustRegister(m.eventsQuarantined)
}

// EventApplied counts one event of type typ (such as
// "charger.soc_reported") in chargebooth_events_applied_total{type}. It is
// cheap enough to call for every event of a rebuild.
func (m *Metrics) EventApplied(typ string) { m.eventsApplied.one(typ).Inc() }

// EventUnknown counts one stored event this build could not fold in
// chargebooth_events_unknown_total{type}.
func (m *Metrics) EventUnknown(typ string) { m.eventsUnknown.one(typ).Inc() }

// EventQuarantined counts one stored event quarantined for breaking the
// domain's rules in chargebooth_events_quarantined_total{type,reason}.
func (m *Metrics) EventQuarantined(typ, reason string) {
	m.eventsQuarantined.WithLabelValues(typ, reason).Inc()
}
