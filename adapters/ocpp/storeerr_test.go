package ocpp_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

// TestStoreFailuresSayWhatWasNotStored sends every action that stores to a
// backend whose store is full or unavailable: the charger gets an
// InternalError that says so and names what was not stored.
func TestStoreFailuresSayWhatWasNotStored(t *testing.T) {
	const ts = `"timestamp":"2026-07-04T21:00:00Z"`
	calls := []struct {
		action  string
		payload string
		what    string
	}{
		{"MeterValues", `{"connectorId":1,"meterValue":[{` + ts + `,"sampledValue":[{"value":"55.0","measurand":"SoC"}]}]}`, "reading"},
		{"MeterValues", `{"connectorId":1,"meterValue":[{` + ts + `,"sampledValue":[{"value":"1234"}]}]}`, "message"},
		{"StartTransaction", `{"connectorId":1,"idTag":"TAG","meterStart":0,` + ts + `}`, "message"},
		{"StopTransaction", `{"transactionId":1,"meterStop":10,` + ts + `}`, "message"},
		{"StatusNotification", `{"connectorId":1,"errorCode":"NoError","status":"Charging"}`, "message"},
		{"BootNotification", `{"chargePointVendor":"V","chargePointModel":"M"}`, "message"},
	}
	stores := []struct {
		name  string
		err   error
		state string
	}{
		{"full", fmt.Errorf("append charger.soc_reported: %w", ocpp.ErrStoreFull), "full"},
		{"unavailable", errors.Join(ocpp.ErrStoreUnavailable, errors.New("nats: no responders available for request")), "unavailable"},
	}
	for _, st := range stores {
		for _, c := range calls {
			t.Run(st.name+"/"+c.action+"/"+c.what, func(t *testing.T) {
				b := newFakeBackend()
				b.err = st.err
				_, cerr := handle(t, newRouter(b), "c1234", c.action, c.payload)
				wantRouterCode(t, cerr, ocpp.CodeInternalError)
				want := "the event store is " + st.state + "; the " + c.what + " was not stored"
				if got := cerr.Description; got != want {
					t.Errorf("description: got %q, want %q", got, want)
				}
				if len(b.Calls()) == 0 {
					t.Errorf("the backend was not called")
				}
			})
		}
	}
}

// TestStoreFailureFrame checks the CALLERROR frame a full store answers.
func TestStoreFailureFrame(t *testing.T) {
	b := newFakeBackend()
	b.err = ocpp.ErrStoreFull
	f, err := ocpp.ParseFrame([]byte(`[2,"m1","MeterValues",{"connectorId":0,"meterValue":[{"timestamp":"2026-07-04T21:00:00Z","sampledValue":[{"value":"55","measurand":"SoC"}]}]}]`))
	if err != nil {
		t.Fatal(err)
	}
	r := newRouter(b)
	got := string(r.HandleFrame(t.Context(), r.NewSession("c1234"), f))
	want := `[4,"m1","InternalError","the event store is full; the reading was not stored",{}]`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
