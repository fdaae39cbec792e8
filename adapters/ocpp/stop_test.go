package ocpp_test

import (
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

func TestStopTransaction(t *testing.T) {
	tests := []struct {
		name       string
		payload    string
		stopStatus ocpp.IDTagStatus
		wantInfo   bool
		want       ocpp.StopTx
	}{
		{"with idTag and reason",
			`{"transactionId":1017,"idTag":"B4A63CDF","meterStop":1450,"timestamp":"2026-07-04T19:00:00Z","reason":"EVDisconnected",
			  "transactionData":[{"timestamp":"2026-07-04T19:00:00Z","sampledValue":[{"value":"1450","context":"Transaction.End"}]}]}`,
			ocpp.IDTagAccepted, true,
			ocpp.StopTx{TransactionID: 1017, IDTag: "B4A63CDF", MeterStop: 1450, Reason: "EVDisconnected",
				Timestamp: time.Date(2026, 7, 4, 19, 0, 0, 0, time.UTC)}},
		{"bare, no idTagInfo",
			`{"transactionId":7,"meterStop":0,"timestamp":"2026-07-04T19:00:00Z"}`,
			"", false,
			ocpp.StopTx{TransactionID: 7, Timestamp: time.Date(2026, 7, 4, 19, 0, 0, 0, time.UTC)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBackend()
			b.stopStatus = tt.stopStatus
			got := mustHandle(t, newRouter(b), "c1234", "StopTransaction", tt.payload)
			if _, has := got["idTagInfo"]; has != tt.wantInfo {
				t.Errorf("got confirmation %v, want idTagInfo present %v", got, tt.wantInfo)
			}
			calls := b.Calls()
			if len(calls) != 1 || calls[0].Method != "StopTransaction" {
				t.Fatalf("got calls %+v, want one StopTransaction", calls)
			}
			tx := calls[0].Args[0].(ocpp.StopTx)
			if tx.EventID == "" {
				t.Error("got empty event id")
			}
			tx.EventID = ""
			if !tx.Timestamp.Equal(tt.want.Timestamp) {
				t.Errorf("got timestamp %v, want %v", tx.Timestamp, tt.want.Timestamp)
			}
			tx.Timestamp = tt.want.Timestamp
			if tx != tt.want {
				t.Errorf("got %+v, want %+v", tx, tt.want)
			}
		})
	}
}

func TestStopTransactionViolations(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    ocpp.ErrorCode
	}{
		{"missing transactionId", `{"meterStop":0,"timestamp":"2026-07-04T19:00:00Z"}`, ocpp.CodeOccurenceConstraintViolation},
		{"bad reason", `{"transactionId":1,"meterStop":0,"timestamp":"2026-07-04T19:00:00Z","reason":"Bored"}`, ocpp.CodePropertyConstraintViolation},
		{"transactionId a string", `{"transactionId":"1","meterStop":0,"timestamp":"2026-07-04T19:00:00Z"}`, ocpp.CodeTypeConstraintViolation},
		{"transactionData sample without value", `{"transactionId":1,"meterStop":0,"timestamp":"2026-07-04T19:00:00Z",
			"transactionData":[{"timestamp":"2026-07-04T19:00:00Z","sampledValue":[{"unit":"Wh"}]}]}`, ocpp.CodeOccurenceConstraintViolation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, cerr := handle(t, newRouter(newFakeBackend()), "c1234", "StopTransaction", tt.payload)
			wantRouterCode(t, cerr, tt.want)
		})
	}
}
