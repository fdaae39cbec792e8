package projections_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

// TestOnlineWhere: the sockets whose connection id the filter keeps,
// chargers then widgets, each by id; nil keeps every open socket, and a
// socket that closed is not listed.
func TestOnlineWhere(t *testing.T) {
	s := &stream{}
	s.add("c2", "", domain.ChargerConnected{Conn: "1@i2", Protocol: "json"})
	s.add("c1", "", domain.ChargerConnected{Conn: "2@i1", Protocol: "json"})
	s.add("c3", "", domain.ChargerConnected{Conn: "3@i2", Protocol: "json"})
	s.add("c3", "", domain.ChargerDisconnected{Conn: "3@i2"})
	w := s.add("", "", domain.WidgetConnected{Conn: "4@i2"})
	w.WidgetID = "w9"
	s.events[len(s.events)-1] = w
	b := fold(t, domain.DefaultTariff, s.events)

	list := func(got []projections.Socket) string {
		var parts []string
		for _, x := range got {
			parts = append(parts, fmt.Sprintf("%s:%s", x.Kind, x.ID))
		}
		return strings.Join(parts, " ")
	}
	onI2 := func(conn string) bool { return strings.HasSuffix(conn, "@i2") }
	for _, tc := range []struct {
		name string
		keep func(string) bool
		want string
	}{
		{"all", nil, "charger:c1 charger:c2 widget:w9"},
		{"on i2", onI2, "charger:c2 widget:w9"},
		{"none", func(string) bool { return false }, ""},
	} {
		if got := list(b.OnlineWhere(tc.keep)); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	if got, want := list(b.Online()), "charger:c1 charger:c2 widget:w9"; got != want {
		t.Errorf("Online: got %q, want %q", got, want)
	}
}
