package main

import (
	"crypto/rand"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"time"
	_ "time/tzdata" // --time-zone resolves IANA zones even on a box without zoneinfo

	"github.com/chargebooth/chargebooth/adapters/customer"
	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/domain"
)

// ticketFlags are the flags of claim tickets, the customer page and the
// claim check at hand-back.
type ticketFlags struct {
	BoothName      string
	PublicURL      string
	TimeZone       string
	HandbackVerify bool

	zone *flag.Flag // --time-zone when another part of serve registered it first
}

func (t *ticketFlags) flags(fs *flag.FlagSet) {
	fs.StringVar(&t.BoothName, "booth-name", "chargebooth", "name printed at the top of claim tickets")
	fs.StringVar(&t.PublicURL, "public-url", "", "scheme and host of the customer links on tickets (https://booth.example); default: the staff request's own")
	// --time-zone is the booth's one zone: closing time uses it too, so
	// whichever part registers it first owns it and the other reads it.
	if t.zone = fs.Lookup("time-zone"); t.zone == nil {
		fs.StringVar(&t.TimeZone, "time-zone", "", "the booth's IANA time zone, such as Europe/Berlin: tickets' time in, the customer page's \"collected at\" (default: the server's local zone)")
	}
	fs.BoolVar(&t.HandbackVerify, "handback-verify", true, "hand-back needs the widget (scanned) or the ticket's claim code, or a lead's override; false accepts a hand-back without either (recorded verifiedBy none)")
}

// tickets checks the flags and returns the API's ticket configuration.
func (t *ticketFlags) tickets() (httpapi.Tickets, error) {
	loc, err := t.location()
	if err != nil {
		return httpapi.Tickets{}, err
	}
	if t.PublicURL != "" {
		u, err := url.Parse(t.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return httpapi.Tickets{}, fmt.Errorf("--public-url must be http(s)://host[:port], not %q", t.PublicURL)
		}
	}
	return httpapi.Tickets{Verify: t.HandbackVerify, BoothName: t.BoothName, PublicURL: t.PublicURL, Location: loc}, nil
}

// location is --time-zone's zone; none given is the server's local zone.
func (t *ticketFlags) location() (*time.Location, error) {
	name := t.TimeZone
	if t.zone != nil {
		name = t.zone.Value.String()
	}
	if name == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("--time-zone %q: not an IANA zone name (Europe/Berlin): %w", name, err)
	}
	return loc, nil
}

// setupTickets gives new sessions claim codes and customer tokens from
// crypto/rand, drawn again while the board has the code on an open session.
func (m *Main) setupTickets() {
	m.Service.SetTickets(domain.NewTicketSource(rand.Reader, m.Board.ClaimCodeInUse))
}

// customerPage mounts the customer page (/c/) in front of h.
func (m *Main) customerPage(h http.Handler) (http.Handler, error) {
	loc, err := m.Config.Tickets.location()
	if err != nil {
		return nil, err
	}
	m.customer = customer.New(customer.Config{Board: m.Board, Clock: m.Clock, Location: loc, Ready: m.Runtime.Ready, Log: m.Log})
	return m.customer.Mount(h), nil
}

// ticketText is what replay shows of a session's ticket: the claim code
// and label, never the customer token (a credential).
func ticketText(d domain.SessionOpened) string {
	s := ""
	if d.ClaimCode != "" {
		s += ", claim code " + d.ClaimCode
	}
	if d.Label != "" {
		s += fmt.Sprintf(", label %q", d.Label)
	}
	return s
}

// claimText is what replay shows of how a hand-back's claim was checked.
func claimText(d domain.HandedBack) string {
	switch {
	case d.VerifiedBy == domain.VerifiedByOverride:
		return "; claim overridden: " + d.OverrideReason
	case d.VerifiedBy != "":
		return "; claim checked by " + d.VerifiedBy
	}
	return ""
}
