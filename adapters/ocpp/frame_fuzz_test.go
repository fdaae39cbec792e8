package ocpp_test

import (
	"errors"
	"testing"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

// realFrames are frames as chargers and central systems send them.
var realFrames = []string{
	`[2,"19223201","BootNotification",{"chargePointVendor":"VendorX","chargePointModel":"SingleSocketCharger"}]`,
	`[3,"19223201",{"currentTime":"2013-02-01T20:53:32.486Z","interval":300,"status":"Accepted"}]`,
	`[2,"1","Heartbeat",{}]`,
	`[2,"2","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Charging","timestamp":"2026-07-04T18:00:00Z"}]`,
	`[2,"3","MeterValues",{"connectorId":0,"meterValue":[{"timestamp":"2026-07-04T18:00:00Z","sampledValue":[{"value":"70.0","measurand":"SoC","unit":"Percent"}]}]}]`,
	`[2,"4","StartTransaction",{"connectorId":1,"idTag":"B4A63CDF","meterStart":0,"timestamp":"2026-07-04T18:00:00.000Z"}]`,
	`[2,"5","StopTransaction",{"transactionId":42,"meterStop":1200,"timestamp":"2026-07-04T19:00:00Z","reason":"Local"}]`,
	`[4,"162376037","NotSupported","SetDisplayMessageRequest not implemented",{}]`,
	`[4,"6","FormatViolation","bad",{}]`,
	`[2,"7","DataTransfer",{"vendorId":"com.example","messageId":"x","data":"{}"}]`,
	`[5,"8","Heartbeat",{}]`,
	`[2,8,"Heartbeat",{}]`,
	`not json`,
	`{}`,
	`[]`,
}

func FuzzParseFrame(f *testing.F) {
	for _, s := range realFrames {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		frame, err := ocpp.ParseFrame(data)
		if err != nil {
			var pe *ocpp.ProtocolError
			if !errors.As(err, &pe) {
				t.Fatalf("got %T %v, want a *ProtocolError", err, err)
			}
			if pe.ID == "" || pe.Code == "" {
				t.Fatalf("ProtocolError without id or code: %+v", pe)
			}
			// The answer to a malformed frame must itself parse.
			out, err := ocpp.EncodeCallError(pe.ID, pe.Code, pe.Description, nil)
			if err != nil {
				t.Fatalf("EncodeCallError: %v", err)
			}
			if pe.ID != ocpp.UnknownID && len(pe.ID) <= ocpp.MaxIDLen {
				if _, err := ocpp.ParseFrame(out); err != nil {
					t.Fatalf("answer %s does not parse: %v", out, err)
				}
			}
			return
		}
		if frame.ID == "" || len(frame.ID) > ocpp.MaxIDLen {
			t.Fatalf("accepted id %q", frame.ID)
		}
		var again []byte
		switch frame.Type {
		case ocpp.TypeCall:
			again, err = ocpp.EncodeCall(frame.ID, frame.Action, frame.Payload)
		case ocpp.TypeCallResult:
			again, err = ocpp.EncodeCallResult(frame.ID, frame.Payload)
		case ocpp.TypeCallError:
			again, err = ocpp.EncodeCallError(frame.ID, frame.ErrorCode, frame.ErrorDescription, frame.ErrorDetails)
		default:
			t.Fatalf("accepted message type %d", frame.Type)
		}
		if err != nil {
			t.Fatalf("re-encode %+v: %v", frame, err)
		}
		back, err := ocpp.ParseFrame(again)
		if err != nil {
			t.Fatalf("re-encoded %s does not parse: %v", again, err)
		}
		if back.Type != frame.Type || back.ID != frame.ID || back.Action != frame.Action || back.ErrorCode != frame.ErrorCode {
			t.Fatalf("round trip: got %+v, want %+v", back, frame)
		}
	})
}
