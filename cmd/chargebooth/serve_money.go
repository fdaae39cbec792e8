package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections/policy"
)

// moneyConfig is the closing time's part of serve's flags.
type moneyConfig struct {
	ClosesAt       string
	TimeZone       string
	UnclaimedEvery time.Duration
	closing        *domain.Closing // parsed by check; nil without --closes-at
}

func (c *moneyConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.ClosesAt, "closes-at", "", "the booth's daily closing time, HH:MM in --time-zone (02:00): phones not handed back by then are marked unclaimed and carried over; a shift still open from before it is flagged (default: none)")
	fs.StringVar(&c.TimeZone, "time-zone", "", "IANA time zone of --closes-at, such as Europe/Madrid (default: the server's local zone, from TZ or /etc/localtime; UTC when it has none)")
	fs.DurationVar(&c.UnclaimedEvery, "unclaimed-every", policy.DefaultUnclaimedEvery, "how often to look whether the closing time has passed")
}

// check parses --closes-at and --time-zone.
func (c *moneyConfig) check() error {
	if c.ClosesAt == "" {
		if c.TimeZone != "" {
			if _, err := time.LoadLocation(c.TimeZone); err != nil {
				return fmt.Errorf("--time-zone %q: not an IANA zone name (Europe/Madrid)", c.TimeZone)
			}
		}
		return nil
	}
	loc := time.Local
	if c.TimeZone != "" {
		l, err := time.LoadLocation(c.TimeZone)
		if err != nil {
			return fmt.Errorf("--time-zone %q: not an IANA zone name (Europe/Madrid)", c.TimeZone)
		}
		loc = l
	}
	cl, err := domain.ParseClosing(c.ClosesAt, loc)
	if err != nil {
		return fmt.Errorf("--closes-at: %w", err)
	}
	c.closing = &cl
	return nil
}

func init() { startHooks = append(startHooks, startUnclaimed) }

// startUnclaimed runs the unclaimed-phones policy once the projections
// caught up, when --closes-at is set.
func startUnclaimed(ctx context.Context, m *Main) {
	cl := m.Config.Money.closing
	if cl == nil {
		return
	}
	u := &policy.Unclaimed{Board: m.Board, Service: m.Service, Clock: m.Clock, Closing: *cl, Every: m.Config.Money.UnclaimedEvery, Log: m.Log}
	m.background(func() {
		if m.Runtime.WaitCaughtUp(ctx) == nil {
			u.Run(ctx)
		}
	})
}
