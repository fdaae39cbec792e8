package ocpp

// ActionReset asks a charger to reboot.
const ActionReset = "Reset"

// ResetReq asks for a Soft (stop transactions, restart the software) or
// Hard (restart the hardware) reset.
type ResetReq struct {
	Type string `json:"type" validate:"required,oneof=Hard Soft"`
}

// ResetConf is the charger's answer.
type ResetConf struct {
	Status string `json:"status" validate:"required,oneof=Accepted Rejected"`
}
