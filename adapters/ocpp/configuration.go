package ocpp

// Actions that read and change a charger's configuration keys.
const (
	ActionGetConfiguration    = "GetConfiguration"
	ActionChangeConfiguration = "ChangeConfiguration"
)

// GetConfigurationReq asks for the listed keys; none asks for every key.
type GetConfigurationReq struct {
	Key []string `json:"key,omitempty" validate:"omitempty,dive,max=50"`
}

// GetConfigurationConf lists the known keys and the unknown ones asked for.
type GetConfigurationConf struct {
	ConfigurationKey []KeyValue `json:"configurationKey,omitempty" validate:"omitempty,dive"`
	UnknownKey       []string   `json:"unknownKey,omitempty" validate:"omitempty,dive,max=50"`
}

// KeyValue is one configuration key as the charger reports it; Value is
// nil when the key is set but not readable.
type KeyValue struct {
	Key      *string `json:"key" validate:"required,max=50"`
	Readonly *bool   `json:"readonly" validate:"required"`
	Value    *string `json:"value,omitempty" validate:"omitempty,max=500"`
}

// ChangeConfigurationReq sets one key.
type ChangeConfigurationReq struct {
	Key   *string `json:"key" validate:"required,max=50"`
	Value *string `json:"value" validate:"required,max=500"`
}

// ChangeConfigurationConf is the charger's answer.
type ChangeConfigurationConf struct {
	Status string `json:"status" validate:"required,oneof=Accepted Rejected RebootRequired NotSupported"`
}
