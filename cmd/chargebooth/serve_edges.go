package main

import (
	"context"
	"fmt"
	"net"

	"github.com/chargebooth/chargebooth/adapters/admission"
	"github.com/chargebooth/chargebooth/adapters/charger"
	"github.com/chargebooth/chargebooth/adapters/dashboard"
	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/adapters/livefeed"
	"github.com/chargebooth/chargebooth/adapters/relay"
	"github.com/chargebooth/chargebooth/adapters/widget"
	"github.com/chargebooth/chargebooth/adapters/wsconn"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/projections/policy"
	"golang.org/x/time/rate"
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
	if c.IDTags != charger.IDTagsOpen && c.IDTags != charger.IDTagsList {
		return fmt.Errorf("--id-tags must be open or list, not %q", c.IDTags)
	}
	if c.BootPolicy != charger.PolicyPending && c.BootPolicy != charger.PolicyReject {
		return fmt.Errorf("--boot-policy must be pending or reject, not %q", c.BootPolicy)
	}
	ocppConfig, err := loadOCPPConfig(c.OCPPCalls.ConfigFile)
	if err != nil {
		return err
	}
	allowList := charger.NewAllowList(allow)
	admit, auth, err := m.devicePolicy(auth, allowList)
	if err != nil {
		return err
	}
	deviceOrigins, err := origins("--device-origins", c.DeviceOrigins)
	if err != nil {
		return err
	}
	liveOrigins, err := origins("--allowed-origins", c.Origins)
	if err != nil {
		return err
	}
	var bus relay.Bus
	if c.NATSURL != "" {
		bus = eventstore.NewCommands(m.NC, "")
	}
	m.Widgets = widget.New(widget.Config{Service: m.Service, Board: m.Board, Instance: c.Instance, Epoch: m.epoch,
		Log: m.Log, Event: c.WidgetEvent, Observer: m.Metrics.Widgets(), Admit: admit.widgets(), Origins: deviceOrigins})
	rel := relay.New(nil, bus, eventstore.ErrNoHolder)
	m.Chargers = charger.New(charger.Config{Service: m.Service, Board: m.Board, Instance: c.Instance, Epoch: m.epoch, Log: m.Log,
		Auth: auth, Admit: admit.chargers(), Observer: m.Metrics.Chargers(), Held: rel.Held, Origins: deviceOrigins,
		ClientCN: m.tls.clientCN(), CertRequired: m.Config.Devices.Mode != string(admission.ModeAuthenticated)})
	rel.SetLocal(m.Chargers)
	m.Chargers.EnableOCPP(charger.OCPPConfig{HeartbeatInterval: c.Heartbeat, Allow: allowList, Unknown: c.BootPolicy,
		Rate: rate.Limit(c.OCPPRate), Burst: c.OCPPBurst, Meter: c.OCPPMeter, Refused: m.Metrics.OCPPRefused,
		ReadLimit: int64(c.OCPPReadLimit), IDTags: c.IDTags,
		Configuration: ocppConfig, ConfigCallTimeout: c.OCPPCalls.ConfigTimeout, Called: m.Metrics.OCPPCall})

	tickets, err := c.Tickets.tickets()
	if err != nil {
		return err
	}
	m.Live = livefeed.New(livefeed.Config{Board: m.Board, History: m.Store, Log: m.Log})
	m.api = httpapi.New(httpapi.Config{
		Live:    m.Live,
		Service: m.Service, Board: m.Board, Store: m.Store, Token: c.StaffToken, Clock: m.Clock,
		AllowedOrigins: liveOrigins, AllowedHosts: splitList(c.AllowedHosts), TrustForwardedProto: c.TrustProto, Log: m.Log, Ready: m.Runtime.Ready, WaitApplied: m.Runtime.WaitApplied,
		Dashboard: dashboard.Handler(), Remote: rel, RemoteTimeout: c.RemoteTimeout,
		Metrics: m.Metrics.Handler(), Observe: m.Metrics.ObserveHTTP, StoreLimit: m.storeLimit(),
		SessionTTL: c.Staff.SessionTTL,
		Closing:    c.Money.closing,
		Tickets:    tickets,
	})
	m.Metrics.SetLiveClientsFunc(m.api.LiveClients)
	h, err := m.customerPage(m.withSocketIO(m.api.Handler(), liveOrigins))
	if err != nil {
		return err
	}
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
	reaper := &policy.Reaper{Board: m.Board, Leases: m.Leases, Service: m.Service, Instance: m.Config.Instance, Epoch: m.epoch, Log: m.Log}
	m.background(func() {
		if err := m.Leases.Hold(ctx, m.Config.Instance); err != nil && ctx.Err() == nil {
			m.Log.Error("instance lease not held; other instances will mark this one's sockets offline", "err", err)
		}
	})
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
	m.startRetirer(ctx)
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
		// No token in the address: the dashboard signs in and keeps a cookie.
		fmt.Fprintf(w, "  dashboard  http://%s/  (sign in with a name and PIN, or a token)\n", m.HTTPURL)
		fmt.Fprintf(w, "  staff API  http://%s/api/  (Authorization: Bearer %s)\n", m.HTTPURL, m.Config.StaffToken)
		fmt.Fprintf(w, "  metrics    http://%s/metrics   health /healthz   ready /readyz\n", m.HTTPURL)
	}
	m.printTLSBanner()
	if m.Embedded != nil {
		fmt.Fprintf(w, "  NATS       %s (embedded, data in %s; clients log in with %s)\n", m.natsURL, m.Config.DataDir, credentialsPath(m.Config.DataDir))
	} else {
		fmt.Fprintf(w, "  NATS       %s (external)\n", m.natsURL)
	}
}

// storeLimit is the embedded server's storage limit for the API; nil with
// an external NATS.
func (m *Main) storeLimit() httpapi.StoreLimit {
	if m.Embedded == nil {
		return nil
	}
	return m.Embedded
}

// origins splits a comma-separated list of origins and refuses one that is
// not scheme://host[:port], naming the flag.
func origins(flagName, list string) ([]string, error) {
	out := splitList(list)
	for _, o := range out {
		if _, err := wsconn.NormalizeOrigin(o); err != nil {
			return nil, fmt.Errorf("%s: %w", flagName, err)
		}
	}
	return out, nil
}
