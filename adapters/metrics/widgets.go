package metrics

import "github.com/prometheus/client_golang/prometheus"

// WidgetObserver records what the widget edge does. Its method set is the
// widget package's Observer, so (*Metrics).Widgets can be passed there
// directly. Every method is cheap and safe for concurrent use.
type WidgetObserver struct {
	connected prometheus.Gauge
	sent      prometheus.Counter
	dropped   prometheus.Counter
}

func newWidgetObserver(reg prometheus.Registerer) *WidgetObserver {
	o := &WidgetObserver{
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace,
			Name:      "widgets_connected",
			Help:      "Widget sockets open now.",
		}),
		sent: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "widget_messages_sent_total",
			Help:      "Status frames written to widgets.",
		}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "widget_messages_dropped_total",
			Help:      "Status frames dropped because a widget's send queue was full (slow consumer).",
		}),
	}
	reg.MustRegister(o.connected, o.sent, o.dropped)
	return o
}

// Widgets returns the observer to hand to the widget edge.
func (m *Metrics) Widgets() *WidgetObserver { return m.widgets }

// Connected adds delta (+1 on open, -1 on close) to
// chargebooth_widgets_connected.
func (o *WidgetObserver) Connected(delta int) { o.connected.Add(float64(delta)) }

// Sent counts one frame in chargebooth_widget_messages_sent_total.
func (o *WidgetObserver) Sent() { o.sent.Inc() }

// Dropped counts one frame in chargebooth_widget_messages_dropped_total.
func (o *WidgetObserver) Dropped() { o.dropped.Inc() }
