package ocpp

// This file holds the types several OCPP 1.6 messages share. Each action's
// own request (…Req) and confirmation (…Conf) live beside its handler.
//
// Validation tags mirror the OCPP 1.6 JSON schemas. A required field whose
// zero value is legal is a pointer, so that "missing" and "0" differ.
// CiStringN types are strings with max=N.

// IDTagInfo is the idTagInfo object of Authorize, StartTransaction and
// StopTransaction confirmations.
type IDTagInfo struct {
	ExpiryDate  string      `json:"expiryDate,omitempty" validate:"omitempty,ocppdatetime"`
	ParentIDTag string      `json:"parentIdTag,omitempty" validate:"omitempty,max=20"`
	Status      IDTagStatus `json:"status" validate:"required,oneof=Accepted Blocked Expired Invalid ConcurrentTx"`
}

// MeterValue is one timestamped group of samples.
type MeterValue struct {
	Timestamp    *string        `json:"timestamp" validate:"required,ocppdatetime"`
	SampledValue []SampledValue `json:"sampledValue" validate:"required,min=1,dive"`
}

// SampledValue is one sample; all fields but Value are optional.
type SampledValue struct {
	Value     *string `json:"value" validate:"required"`
	Context   string  `json:"context,omitempty" validate:"omitempty,oneof=Interruption.Begin Interruption.End Sample.Clock Sample.Periodic Transaction.Begin Transaction.End Trigger Other"`
	Format    string  `json:"format,omitempty" validate:"omitempty,oneof=Raw SignedData"`
	Measurand string  `json:"measurand,omitempty" validate:"omitempty,oneof=Energy.Active.Export.Register Energy.Active.Import.Register Energy.Reactive.Export.Register Energy.Reactive.Import.Register Energy.Active.Export.Interval Energy.Active.Import.Interval Energy.Reactive.Export.Interval Energy.Reactive.Import.Interval Power.Active.Export Power.Active.Import Power.Offered Power.Reactive.Export Power.Reactive.Import Power.Factor Current.Import Current.Export Current.Offered Voltage Frequency Temperature SoC RPM"`
	Phase     string  `json:"phase,omitempty" validate:"omitempty,oneof=L1 L2 L3 N L1-N L2-N L3-N L1-L2 L2-L3 L3-L1"`
	Location  string  `json:"location,omitempty" validate:"omitempty,oneof=Cable EV Inlet Outlet Body"`
	Unit      string  `json:"unit,omitempty" validate:"omitempty,oneof=Wh kWh varh kvarh W kW VA kVA var kvar A V K Celcius Celsius Fahrenheit Percent"`
}

// Measurand names this package treats specially.
const (
	// MeasurandSoC is the state of charge in percent.
	MeasurandSoC = "SoC"
	// MeasurandDefault is the measurand of a sample that names none.
	MeasurandDefault = "Energy.Active.Import.Register"
)

// idTagInfo builds the idTagInfo of a confirmation.
func idTagInfo(s IDTagStatus) IDTagInfo {
	return IDTagInfo{Status: s}
}

// authInfo builds the idTagInfo of an Authorization, its status kept
// inside the 1.6 enumeration and its parent cut to the schema's 20.
func authInfo(a Authorization) IDTagInfo {
	info := idTagInfo(knownStatus(a.Status))
	if !a.Expiry.IsZero() {
		info.ExpiryDate = formatDateTime(a.Expiry)
	}
	if len(a.Parent) <= 20 {
		info.ParentIDTag = a.Parent
	}
	return info
}
