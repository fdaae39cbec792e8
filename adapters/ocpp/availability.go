package ocpp

// ActionChangeAvailability makes a connector (or the whole charger,
// connector 0) Operative or Inoperative.
const ActionChangeAvailability = "ChangeAvailability"

// ChangeAvailabilityReq names the connector (0: the whole charger) and the
// availability asked for.
type ChangeAvailabilityReq struct {
	ConnectorID *int   `json:"connectorId" validate:"required,min=0"`
	Type        string `json:"type" validate:"required,oneof=Inoperative Operative"`
}

// ChangeAvailabilityConf is the charger's answer: Scheduled when a
// transaction must end first.
type ChangeAvailabilityConf struct {
	Status string `json:"status" validate:"required,oneof=Accepted Rejected Scheduled"`
}
