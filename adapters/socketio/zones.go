package socketio

import (
	_ "embed"
	"strings"
	"time"
	_ "time/tzdata" // every listed zone loads, whatever the host has

	"github.com/chargebooth/chargebooth/domain"
)

//go:generate go run ./internal/mkzones

// zonesTxt is generated from Go's own zone database (see mkzones): Go
// has no API listing zone names, and a booth box may have no zoneinfo
// tree, so the list ships with the binary and matches the database
// time/tzdata embeds.
//
//go:embed zones.txt
var zonesTxt string

// TimeZones returns the IANA time zone names getAllTimeZones answers,
// sorted. Every one of them loads with time.LoadLocation.
func TimeZones() []string {
	return append([]string(nil), zoneList...)
}

var zoneList = strings.Fields(zonesTxt)

var zoneSet = func() map[string]bool {
	m := make(map[string]bool, len(zoneList))
	for _, z := range zoneList {
		m[z] = true
	}
	return m
}()

// loadZone resolves a listed IANA zone name; anything else (including
// "Local" and "") is refused, so a reminder never depends on the server's
// own zone setting.
func loadZone(name string) (*time.Location, error) {
	if !zoneSet[name] {
		return nil, domain.Errorf(domain.CodeInvalidInput, "unknown timeZone %q", name)
	}
	return time.LoadLocation(name)
}
