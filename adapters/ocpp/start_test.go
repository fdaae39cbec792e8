package ocpp_test

import (
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

func TestStartTransaction(t *testing.T) {
	b := newFakeBackend()
	b.startTxID = 1017
	got := mustHandle(t, newRouter(b), "c1234", "StartTransaction",
		`{"connectorId":1,"idTag":"B4A63CDF","meterStart":250,"reservationId":3,"timestamp":"2026-07-04T18:00:00.000Z"}`)
	if got["transactionId"] != float64(1017) {
		t.Errorf("got transactionId %v, want integer 1017", got["transactionId"])
	}
	if info, _ := got["idTagInfo"].(map[string]any); info["status"] != "Accepted" {
		t.Errorf("got idTagInfo %v, want status Accepted", got["idTagInfo"])
	}
	calls := b.Calls()
	if len(calls) != 1 || calls[0].Method != "StartTransaction" {
		t.Fatalf("got calls %+v, want one StartTransaction", calls)
	}
	tx := calls[0].Args[0].(ocpp.StartTx)
	if tx.ConnectorID != 1 || tx.IDTag != "B4A63CDF" || tx.MeterStart != 250 ||
		tx.ReservationID == nil || *tx.ReservationID != 3 ||
		!tx.Timestamp.Equal(time.Date(2026, 7, 4, 18, 0, 0, 0, time.UTC)) {
		t.Errorf("got %+v, want connector 1, B4A63CDF, 250 Wh, reservation 3, 18:00Z", tx)
	}
	if len(tx.EventID) != 26 {
		t.Errorf("got event id %q, want a ULID (26 characters)", tx.EventID)
	}
}

func TestStartTransactionViolations(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    ocpp.ErrorCode
	}{
		{"missing meterStart", `{"connectorId":1,"idTag":"T","timestamp":"2026-07-04T18:00:00Z"}`, ocpp.CodeOccurenceConstraintViolation},
		{"missing timestamp", `{"connectorId":1,"idTag":"T","meterStart":0}`, ocpp.CodeOccurenceConstraintViolation},
		{"meterStart a fraction", `{"connectorId":1,"idTag":"T","meterStart":1.5,"timestamp":"2026-07-04T18:00:00Z"}`, ocpp.CodeTypeConstraintViolation},
		{"meterStart a string", `{"connectorId":1,"idTag":"T","meterStart":"0","timestamp":"2026-07-04T18:00:00Z"}`, ocpp.CodeTypeConstraintViolation},
		{"connector 0", `{"connectorId":0,"idTag":"T","meterStart":0,"timestamp":"2026-07-04T18:00:00Z"}`, ocpp.CodePropertyConstraintViolation},
		{"bad timestamp", `{"connectorId":1,"idTag":"T","meterStart":0,"timestamp":"yesterday"}`, ocpp.CodePropertyConstraintViolation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBackend()
			_, cerr := handle(t, newRouter(b), "c1234", "StartTransaction", tt.payload)
			wantRouterCode(t, cerr, tt.want)
			if n := len(b.Calls()); n != 0 {
				t.Errorf("got %d backend calls, want 0", n)
			}
		})
	}
}
