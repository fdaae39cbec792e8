package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"time"

	"github.com/chargebooth/chargebooth/adapters/admission"
	"github.com/chargebooth/chargebooth/adapters/charger"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections/policy"
)

// devicesConfig is the device policy's part of serve's flags.
type devicesConfig struct {
	Mode          string
	NewPerMinute  int
	MaxUnenrolled int
	ReplaceEvery  time.Duration
	ForgetAfter   time.Duration
}

func (c *devicesConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.Mode, "devices", string(admission.ModeEnrolled), "which chargers and widgets may connect: open (any id: demos and tests), enrolled (those in the pairing table or enrolled with PUT /api/devices/…) or authenticated (enrolled, and each presents its secret: chargers HTTP Basic, widgets ?key= or X-Widget-Key)")
	fs.IntVar(&c.NewPerMinute, "new-chargers-per-minute", 60, "most charger (and widget) ids seen for the first time per minute, each kind; beyond, refused with 429 (0: no cap)")
	fs.IntVar(&c.MaxUnenrolled, "max-unenrolled", 500, "most chargers (and widgets) neither enrolled nor paired the booth keeps; a new one beyond is refused with 403 (0: no cap; matters with --devices open)")
	fs.DurationVar(&c.ReplaceEvery, "replace-every", admission.DefaultReplaceEvery, "how often a connection may replace the live one of the same id; sooner is refused with 429 and the live one stays (0: no throttle)")
	fs.DurationVar(&c.ForgetAfter, "forget-after", policy.DefaultForgetAfter, "retire chargers idle this long with no open session, no pairing and no enrolment (0: never)")
}

// admitter binds the device policy to each edge's Admit hook; a nil one
// admits everything.
type admitter struct{ p *admission.Policy }

func (a admitter) chargers() func(http.Header, *http.Request, string, bool) (int, string) {
	return func(h http.Header, r *http.Request, id string, live bool) (int, string) {
		return a.p.Check(domain.DeviceCharger, h, r, id, live)
	}
}

func (a admitter) widgets() func(http.Header, *http.Request, string, bool) (int, string) {
	return func(h http.Header, r *http.Request, id string, live bool) (int, string) {
		return a.p.Check(domain.DeviceWidget, h, r, id, live)
	}
}

// devicePolicy builds the admission policy of --devices. In the
// authenticated mode the --charger-auth file (auth) becomes one more
// source of charger passwords beside the enrolled secrets, so the edge's
// own check is dropped; otherwise the file is checked as before.
//
// Simple-protocol chargers obey --charger-allow before the upgrade; OCPP
// chargers are answered by their BootNotification (Pending or Rejected,
// then SecurityError for everything else).
func (m *Main) devicePolicy(auth func(*http.Request, string) bool, allow *charger.AllowList) (admitter, func(*http.Request, string) bool, error) {
	c := m.Config.Devices
	mode, err := admission.ParseMode(c.Mode)
	if err != nil {
		return admitter{}, nil, err
	}
	if c.NewPerMinute < 0 || c.MaxUnenrolled < 0 {
		return admitter{}, nil, fmt.Errorf("--new-chargers-per-minute and --max-unenrolled must be 0 or more")
	}
	cfg := admission.Config{Mode: mode, Board: m.Board, NewPerMinute: c.NewPerMinute, MaxUnenrolled: c.MaxUnenrolled,
		ReplaceEvery: c.ReplaceEvery, Ready: m.Runtime.CaughtUp, Now: m.Clock,
		Refused: func(kind, cause string) {
			m.Metrics.DeviceRefused(kind, cause)
			m.Log.Debug("device refused before the upgrade", "kind", kind, "cause", cause)
		}}
	if cn := m.tls.clientCN(); cn != nil {
		// Profile 3: a client certificate whose CN is the charger's id
		// proves it (the edge refused a mismatched one already).
		cfg.Vouch = func(kind string, r *http.Request, id string) bool {
			got, ok := cn(r)
			return kind == domain.DeviceCharger && ok && got == id
		}
	}
	if allow != nil {
		cfg.Allowed = func(r *http.Request, id string) bool { return charger.OffersOCPP(r) || allow.Allowed(id) }
	}
	if c.ReplaceEvery == 0 {
		cfg.ReplaceEvery = -1
	}
	if mode == admission.ModeAuthenticated {
		cfg.ChargerAuth, auth = auth, nil
	}
	return admitter{admission.New(cfg)}, auth, nil
}

// startRetirer starts the policy that retires idle chargers
// (--forget-after), once the projections have caught up.
func (m *Main) startRetirer(ctx context.Context) {
	if m.Config.Devices.ForgetAfter <= 0 {
		return
	}
	r := &policy.Retirer{Board: m.Board, Service: m.Service, Clock: m.Clock, ForgetAfter: m.Config.Devices.ForgetAfter,
		Every: retireEvery, Log: m.Log}
	m.background(func() {
		if m.Runtime.WaitCaughtUp(ctx) == nil {
			r.Run(ctx)
		}
	})
}

// retireEvery is how often idle chargers are looked for; tests shorten it.
var retireEvery = policy.DefaultRetireEvery
