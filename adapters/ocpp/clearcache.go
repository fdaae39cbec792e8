package ocpp

// ActionClearCache asks a charger to empty its authorization cache.
const ActionClearCache = "ClearCache"

// ClearCacheReq has no fields.
type ClearCacheReq struct{}

// ClearCacheConf is the charger's answer.
type ClearCacheConf struct {
	Status string `json:"status" validate:"required,oneof=Accepted Rejected"`
}
