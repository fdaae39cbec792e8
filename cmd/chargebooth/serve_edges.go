package main

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"github.com/chargebooth/chargebooth/adapters/charger"
	"github.com/chargebooth/chargebooth/adapters/dashboard"
	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/adapters/relay"
	"github.com/chargebooth/chargebooth/adapters/widget"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/projections/policy"
)

// startEdges builds the charger, widget and staff endpoints and listens.
func (m *Main) startEdges() error {
	c := &m.Config
	if err := m.setupTLS(); err != nil {
		return err
	}
	auth, err := loadChargerAuth(c.ChargerAuth)
	if err != nil {
		return err
	}
	allow, err := loadAllowList(c.ChargerAllow)
	if err != nil {
		return err
	}
	if c.BootPolicy != charger.PolicyPending && c.BootPolicy != charger.PolicyReject {
		return fmt.Errorf("--boot-policy must be pending or reject, not %q", c.BootPolicy)
	}
	var bus relay.Bus
	if c.NATSURL != "" {
		bus = eventstore.NewCommands(m.NC, "")
	}
	m.Widgets = widget.New(widget.Config{Service: m.Service, Board: m.Board, Instance: c.Instance, Epoch: m.epoch,
		Log: m.Log, Event: c.WidgetEvent, Observer: m.Metrics.Widgets()})
	rel := relay.New(nil, bus, eventstore.ErrNoHolder)
	m.Chargers = charger.New(charger.Config{Service: m.Service, Board: m.Board, Instance: c.Instance, Epoch: m.epoch, Log: m.Log,
		Auth: auth, ClientCN: m.tls.clientCN(), Observer: m.Metrics.Chargers(), Held: rel.Held})
	rel.SetLocal(m.Chargers)
	m.Chargers.EnableOCPP(charger.OCPPConfig{HeartbeatInterval: c.Heartbeat, Allow: allow, Unknown: c.BootPolicy})

	m.api = httpapi.New(httpapi.Config{
		Service: m.Service, Board: m.Board, Store: m.Store, Token: c.StaffToken, Clock: m.Clock,
		AllowedOrigins: splitList(c.Origins), Log: m.Log, Ready: m.Runtime.Ready, WaitApplied: m.Runtime.WaitApplied,
		Dashboard: dashboard.Handler(), Remote: rel, RemoteTimeout: c.RemoteTimeout,
		Metrics: m.Metrics.Handler(), Observe: m.Metrics.ObserveHTTP,
	})
	m.Metrics.SetLiveClientsFunc(m.api.LiveClients)
	var h http.Handler = m.api.Handler()
	if c.Pprof {
		h = withPprof(h)
	}
	return m.listenEdges(m.Chargers.Handler(), m.Widgets.Handler(), h)
}

// startPolicies starts what issues commands on its own, once the
// projections have caught up: overdue reminders and notices, and the
// reaper that marks offline the sockets of dead instances (and of this
// instance's earlier run).
func (m *Main) startPolicies(ctx context.Context) {
	reminders := &policy.Reminders{Board: m.Board, Service: m.Service, Clock: m.Clock, CollectAfter: m.Config.CollectAfter, Log: m.Log}
	reaper := &policy.Reaper{Board: m.Board, Service: m.Service, Instance: m.Config.Instance, Epoch: m.epoch, Log: m.Log}
	m.background(func() {
		if m.Runtime.WaitCaughtUp(ctx) == nil {
			reminders.Run(ctx)
		}
	})
	m.background(func() {
		if m.Runtime.WaitCaughtUp(ctx) == nil {
			reaper.Run(ctx)
		}
	})
	m.watchTLS(ctx)
	for _, h := range startHooks {
		h(ctx, m)
	}
}

// hostURL turns a listener address into host:port a local client can dial.
func hostURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	host := "localhost"
	if !tcp.IP.IsUnspecified() {
		host = tcp.IP.String()
	}
	return net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}

func (m *Main) printBanner() {
	w := m.Stdout
	fmt.Fprintf(w, "chargebooth %s is up\n", m.Config.Instance)
	if m.ChargerURL != "" {
		fmt.Fprintf(w, "  chargers   ws://%s/chargers/{chargerId}\n", m.ChargerURL)
	}
	if m.WidgetURL != "" {
		fmt.Fprintf(w, "  widgets    ws://%s/widgets/{widgetId}\n", m.WidgetURL)
	}
	if m.HTTPURL != "" {
		fmt.Fprintf(w, "  dashboard  http://%s/?token=%s\n", m.HTTPURL, m.Config.StaffToken)
		fmt.Fprintf(w, "  staff API  http://%s/api/  (Authorization: Bearer %s)\n", m.HTTPURL, m.Config.StaffToken)
		fmt.Fprintf(w, "  metrics    http://%s/metrics   health /healthz   ready /readyz\n", m.HTTPURL)
	}
	m.printTLSBanner()
	if m.Embedded != nil {
		fmt.Fprintf(w, "  NATS       %s (embedded, data in %s)\n", m.natsURL, m.Config.DataDir)
	} else {
		fmt.Fprintf(w, "  NATS       %s (external)\n", m.natsURL)
	}
}
