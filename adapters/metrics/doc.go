// Package metrics exposes chargebooth's Prometheus metrics at /metrics.
//
// New builds a Metrics with its own registry (plus the Go and process
// collectors); Handler serves it. The edges report to it through small
// observer values whose method sets match the observer interfaces the edges
// declare (ChargerObserver for the charger edge, WidgetObserver for the
// widget edge), so this package imports none of them. ObserveHTTP matches
// the staff API's request hook, and the consumer-lag gauges read the
// functions given in Options at scrape time.
//
// Every label value is bounded: HTTP routes are ServeMux patterns, codes and
// event types come from fixed sets, and each labelled family keeps at most
// MaxLabelValues distinct values, folding any further ones into "other" so a
// bug upstream cannot blow up the series count.
package metrics
