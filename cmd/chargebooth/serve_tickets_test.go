package main

import (
	"flag"
	"strings"
	"testing"
	"time"
)

func TestTicketFlags(t *testing.T) {
	tests := []struct {
		name string
		f    ticketFlags
		err  string // "" for none
	}{
		{"defaults", ticketFlags{HandbackVerify: true}, ""},
		{"UTC", ticketFlags{TimeZone: "UTC"}, ""},
		{"zone and public URL", ticketFlags{TimeZone: "Europe/Berlin", PublicURL: "https://booth.example:8443"}, ""},
		{"public URL with a slash", ticketFlags{TimeZone: "UTC", PublicURL: "https://booth.example/"}, ""},
		{"unknown zone", ticketFlags{TimeZone: "Mars/Olympus"}, "--time-zone"},
		{"a path, not a zone", ticketFlags{TimeZone: "../etc/passwd"}, "--time-zone"},
		{"public URL with a path", ticketFlags{TimeZone: "UTC", PublicURL: "https://booth.example/c"}, "--public-url"},
		{"public URL not http", ticketFlags{TimeZone: "UTC", PublicURL: "ftp://booth.example"}, "--public-url"},
		{"public URL without a host", ticketFlags{TimeZone: "UTC", PublicURL: "https://"}, "--public-url"},
		{"public URL with a query", ticketFlags{TimeZone: "UTC", PublicURL: "https://b.example?x=1"}, "--public-url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.f.tickets()
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("got error %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("got error %v, want one naming %q", err, tt.err)
			case tt.err == "" && (got.Location == nil || got.Verify != tt.f.HandbackVerify):
				t.Errorf("got %+v", got)
			}
		})
	}
}

func TestTicketFlagDefaults(t *testing.T) {
	m := &Main{}
	if err := m.ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	f := m.Config.Tickets
	if !f.HandbackVerify || f.BoothName != "chargebooth" || f.TimeZone != "" || f.PublicURL != "" {
		t.Errorf("defaults %+v, want verify on, chargebooth, the local zone, no public URL", f)
	}
	if loc, err := f.location(); err != nil || loc != time.Local {
		t.Errorf("default zone: got %v %v, want the local zone", loc, err)
	}
}

// TestTimeZoneFlagShared: when another part of serve registered
// --time-zone first, the tickets read that one.
func TestTimeZoneFlagShared(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var other string
	fs.StringVar(&other, "time-zone", "", "")
	var tf ticketFlags
	tf.flags(fs)
	if err := fs.Parse([]string{"--time-zone", "Europe/Madrid"}); err != nil {
		t.Fatal(err)
	}
	loc, err := tf.location()
	if err != nil || loc.String() != "Europe/Madrid" {
		t.Errorf("got %v %v, want Europe/Madrid", loc, err)
	}
}
