package metrics_test

import (
	"testing"

	"github.com/chargebooth/chargebooth/adapters/metrics"
)

func TestConnectionFamilies(t *testing.T) {
	m := metrics.New(metrics.Options{})
	var onRefuse func(listener, reason string) = m.ConnectionRefused // netlimit.Config.OnRefuse
	onRefuse("widget", "per_ip")
	onRefuse("widget", "per_ip")
	onRefuse("http", "total")
	open := 7
	m.SetConnectionsOpenFunc("widget", func() int { return open })
	m.SetConnectionsOpenFunc("charger", func() int { return 3 })
	open = 9

	fams := scrape(t, m)
	tests := []struct {
		family string
		labels []string
		want   float64
	}{
		{"chargebooth_connections_refused_total", []string{"listener", "widget", "reason", "per_ip"}, 2},
		{"chargebooth_connections_refused_total", []string{"listener", "http", "reason", "total"}, 1},
		{"chargebooth_connections_open", []string{"listener", "widget"}, 9},
		{"chargebooth_connections_open", []string{"listener", "charger"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.family+" "+tt.labels[1], func(t *testing.T) {
			got, ok := value(t, fams, tt.family, tt.labels...)
			if !ok {
				t.Fatalf("no series %s %v", tt.family, tt.labels)
			}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if fams[tt.family].GetHelp() == "" {
				t.Errorf("no HELP")
			}
		})
	}

	m.SetConnectionsOpenFunc("charger", nil)
	if _, ok := value(t, scrape(t, m), "chargebooth_connections_open", "listener", "charger"); ok {
		t.Errorf("charger series still there after SetConnectionsOpenFunc(nil)")
	}
}
