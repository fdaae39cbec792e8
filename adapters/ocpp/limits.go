package ocpp

import "unicode/utf8"

// Defaults of MeterLimits. The OCPP 1.6 schema bounds none of these (no
// maxItems on meterValue or sampledValue, no maxLength on value); the
// numbers are generous for real chargers, which send a handful of samples
// per meterValue, and small enough that one frame cannot become hundreds
// of events. DefaultMaxSignedValueLength is the maxLength OCPP 2.0.1 gives
// signedMeterData.
const (
	DefaultMaxMeterValues       = 32
	DefaultMaxSampledValues     = 64
	DefaultMaxSamples           = 256
	DefaultMaxValueLength       = 64
	DefaultMaxSignedValueLength = 2500
)

// MeterLimits bound one MeterValues message; zero fields take the
// defaults. A message over any bound is refused whole (nothing is stored):
// too many items with OccurenceConstraintViolation, a too-long value with
// PropertyConstraintViolation, the description naming the limit.
type MeterLimits struct {
	// MeterValues is the most meterValue entries in one message (32).
	MeterValues int
	// SampledValues is the most sampledValue entries in one meterValue (64).
	SampledValues int
	// Samples is the most sampledValue entries in one message, all
	// meterValues together (256).
	Samples int
	// ValueLength is the most characters of one sampledValue's value (64:
	// a number).
	ValueLength int
	// SignedValueLength is the most characters of a value whose format is
	// SignedData (2500).
	SignedValueLength int
}

// withDefaults fills the zero fields.
func (l MeterLimits) withDefaults() MeterLimits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MeterValues, DefaultMaxMeterValues)
	def(&l.SampledValues, DefaultMaxSampledValues)
	def(&l.Samples, DefaultMaxSamples)
	def(&l.ValueLength, DefaultMaxValueLength)
	def(&l.SignedValueLength, DefaultMaxSignedValueLength)
	return l
}

// check returns the *CallError refusing req, or nil when it is within l.
func (l MeterLimits) check(req *MeterValuesReq) *CallError {
	if n := len(req.MeterValue); n > l.MeterValues {
		return callError(CodeOccurenceConstraintViolation,
			"meterValue: %d entries, at most %d are taken in one MeterValues; send them in several", n, l.MeterValues)
	}
	total := 0
	for i, mv := range req.MeterValue {
		if n := len(mv.SampledValue); n > l.SampledValues {
			return callError(CodeOccurenceConstraintViolation,
				"meterValue[%d].sampledValue: %d entries, at most %d are taken in one meterValue", i, n, l.SampledValues)
		}
		total += len(mv.SampledValue)
		if total > l.Samples {
			return callError(CodeOccurenceConstraintViolation,
				"meterValue: more than %d sampledValue entries in one MeterValues; send them in several", l.Samples)
		}
		for j, sv := range mv.SampledValue {
			if sv.Value == nil {
				continue // the schema check reports it
			}
			limit := l.ValueLength
			if sv.Format == "SignedData" {
				limit = l.SignedValueLength
			}
			if utf8.RuneCountInString(*sv.Value) > limit {
				return callError(CodePropertyConstraintViolation,
					"meterValue[%d].sampledValue[%d].value: longer than %d characters", i, j, limit)
			}
		}
	}
	return nil
}

// DefaultReadLimit is the largest OCPP frame read by default: a
// StopTransaction with a few hours of transactionData runs to hundreds of
// KiB.
const DefaultReadLimit = 1 << 20
