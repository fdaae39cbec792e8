package ocpp_test

import (
	"testing"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

func TestCallChangeAvailability(t *testing.T) {
	testAction(t, ocpp.ActionChangeAvailability, []actionCase{
		{name: "connector inoperative", req: `{"connectorId":1,"type":"Inoperative"}`, answer: `{"status":"Accepted"}`, want: `{"status":"Accepted"}`},
		{name: "whole charger scheduled", req: `{"connectorId":0,"type":"Operative"}`, answer: `{"status":"Scheduled"}`, want: `{"status":"Scheduled"}`},
		{name: "connector missing", req: `{"type":"Operative"}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "negative connector", req: `{"connectorId":-1,"type":"Operative"}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "bad type", req: `{"connectorId":1,"type":"Off"}`, wantErr: ocpp.ErrInvalidRequest},
		{name: "bad confirmation", req: `{"connectorId":1,"type":"Operative"}`, answer: `{}`, wantErr: ocpp.ErrInvalidConfirmation},
	})
}
