package ocpp

// ActionUnlockConnector asks a charger to release a connector's cable.
const ActionUnlockConnector = "UnlockConnector"

// UnlockConnectorReq names the connector (1 or more).
type UnlockConnectorReq struct {
	ConnectorID *int `json:"connectorId" validate:"required,min=1"`
}

// UnlockConnectorConf is the charger's answer.
type UnlockConnectorConf struct {
	Status string `json:"status" validate:"required,oneof=Unlocked UnlockFailed NotSupported"`
}
