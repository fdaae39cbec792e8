package ocpp

// Actions of the local authorization list.
const (
	ActionGetLocalListVersion = "GetLocalListVersion"
	ActionSendLocalList       = "SendLocalList"
)

// GetLocalListVersionReq has no fields.
type GetLocalListVersionReq struct{}

// GetLocalListVersionConf is the version of the charger's list (0: empty,
// -1: not supported).
type GetLocalListVersionConf struct {
	ListVersion *int `json:"listVersion" validate:"required"`
}

// SendLocalListReq replaces (Full) or updates (Differential) the charger's
// local list.
type SendLocalListReq struct {
	ListVersion            *int                `json:"listVersion" validate:"required"`
	LocalAuthorizationList []AuthorizationData `json:"localAuthorizationList,omitempty" validate:"omitempty,dive"`
	UpdateType             string              `json:"updateType" validate:"required,oneof=Differential Full"`
}

// AuthorizationData is one entry of the local list; with no IDTagInfo a
// Differential update removes the tag.
type AuthorizationData struct {
	IDTag     *string    `json:"idTag" validate:"required,max=20"`
	IDTagInfo *IDTagInfo `json:"idTagInfo,omitempty"`
}

// SendLocalListConf is the charger's answer.
type SendLocalListConf struct {
	Status string `json:"status" validate:"required,oneof=Accepted Failed NotSupported VersionMismatch"`
}
