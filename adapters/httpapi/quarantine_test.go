package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
)

// TestLiveFeedSkipsQuarantinedEvents: a forged event that breaks the
// domain's rules (published straight on the store's subject) is not sent
// on the live feed, where the dashboard would fold it; the next genuine
// event is.
func TestLiveFeedSkipsQuarantinedEvents(t *testing.T) {
	e := newEnv(t)
	c := e.mustDial()
	subscribe(t, c, "*")
	e.reading("c1", 40)
	e.caughtUp()
	s := e.openSession("c1")
	forged := fmt.Sprintf(`{"id":"forged-1","type":"session.payment_recorded","chargerId":"c1","sessionId":%q,"time":%q,"v":1,"data":{"amountCents":-100000,"method":"cash"}}`,
		s.ID, day0.Format(time.RFC3339))
	if _, err := e.nc.Request(eventstore.Subject(eventstore.DefaultSubjectPrefix, domain.ChargerKey("c1")), []byte(forged), 5*time.Second); err != nil {
		t.Fatalf("publish: %v", err)
	}
	e.reading("c1", 60)
	for _, m := range readUntil(t, c, func(m liveMsg) bool {
		return m.Type == domain.TypeSoCReported && strings.Contains(string(m.Data), `"soc":60`)
	}) {
		if m.Type == domain.TypePaymentRecorded {
			t.Errorf("the live feed sent a quarantined payment: %+v (%s)", m, m.Data)
		}
	}
	if got := e.openSession("c1").PaidCents; got != 0 {
		t.Errorf("paid %d, want 0", got)
	}
	if q := e.board.Quarantined(); q[domain.TypePaymentRecorded] != 1 {
		t.Errorf("quarantined: got %v, want one payment", q)
	}
}
