package ocpp

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// MeterValuesReq carries meter samples; it may come on connector 0 and
// without a transaction.
type MeterValuesReq struct {
	ConnectorID   *int         `json:"connectorId" validate:"required,min=0"`
	TransactionID *int         `json:"transactionId,omitempty"`
	MeterValue    []MeterValue `json:"meterValue" validate:"required,min=1,dive"`
}

// MeterValuesConf is the empty MeterValues.conf.
type MeterValuesConf struct{}

// meterSample is one sampledValue with its group's timestamp, ready for
// the Backend.
type meterSample struct {
	soc    float64
	isSoC  bool
	sample Sample
}

// handleMeter sends every SoC sample to Backend.Reading and every other
// sample to Backend.MeterSample, in order. The message is checked whole
// first against the router's MeterLimits and the 1.6 schema (a violation
// records nothing); then each SoC value on its own: one that is not a
// decimal number from 0 to 100 is not a reading — it goes to MeterSample
// with Refused saying why, and the message's other samples are stored
// (a charger cannot fix a sample by re-sending it). A value a little over
// 100 (up to SoCRoundingSlack, a rounding artefact some chargers send) is
// read as 100.
func handleMeter(ctx context.Context, r *Router, chargerID string, payload json.RawMessage) (any, error) {
	var req MeterValuesReq
	if err := decodeJSON(payload, &req); err != nil {
		return nil, err
	}
	if cerr := r.meter.check(&req); cerr != nil {
		r.refused(chargerID, RefusedMeter)
		return nil, cerr
	}
	if err := ValidatePayload(&req); err != nil {
		return nil, err
	}
	for _, s := range meterSamples(chargerID, &req) {
		var err error
		if s.isSoC {
			err = notStored("reading", r.backend.Reading(ctx, chargerID, s.soc, s.sample.EventID, s.sample.Timestamp))
		} else {
			err = r.backend.MeterSample(ctx, chargerID, s.sample)
		}
		if err != nil {
			return nil, err
		}
	}
	return MeterValuesConf{}, nil
}

// SoCRoundingSlack is how far over 100 a SoC sample may be and still be
// read as 100.
const SoCRoundingSlack = 1.0

// parseSampleSoC reads a SoC sample's value: a decimal from 0 to 100, or
// up to SoCRoundingSlack over it (read as 100).
func parseSampleSoC(v string) (float64, error) {
	soc, err := domain.ParseSoC(v)
	if err == nil {
		return soc, nil
	}
	if f, perr := strconv.ParseFloat(strings.TrimSpace(v), 64); perr == nil && f > 100 && f <= 100+SoCRoundingSlack {
		return 100, nil
	}
	return 0, err
}

func meterSamples(chargerID string, req *MeterValuesReq) []meterSample {
	var out []meterSample
	for i, mv := range req.MeterValue {
		ts := parseDateTime(*mv.Timestamp)
		for j, sv := range mv.SampledValue {
			s := Sample{
				ConnectorID:   *req.ConnectorID,
				TransactionID: req.TransactionID,
				Timestamp:     ts,
				Value:         *sv.Value,
				Measurand:     sv.Measurand,
				Unit:          sv.Unit,
				Context:       sv.Context,
				Format:        sv.Format,
				Phase:         sv.Phase,
				Location:      sv.Location,
			}
			if s.Measurand == "" {
				s.Measurand = MeasurandDefault
			}
			if s.Unit == "" && strings.HasPrefix(s.Measurand, "Energy.Active.") {
				s.Unit = "Wh"
			}
			s.EventID = sampleEventID(chargerID, ts, s)
			ms := meterSample{sample: s}
			if s.Measurand == MeasurandSoC && s.Format != "SignedData" {
				soc, err := parseSampleSoC(s.Value)
				if err != nil {
					ms.sample.Refused = fmt.Sprintf("meterValue[%d].sampledValue[%d]: SoC %q is not a number from 0 to 100",
						i, j, clip(s.Value))
				} else {
					ms.isSoC, ms.soc = true, soc
				}
			}
			out = append(out, ms)
		}
	}
	return out
}

// clip cuts a charger's value to 32 bytes for a message.
func clip(s string) string {
	if len(s) > 32 {
		return strings.ToValidUTF8(s[:32], "") + "…"
	}
	return s
}

// sampleEventID identifies a sample by what it says, not where it sits in
// the message: a charger may re-batch queued samples when it replays them.
func sampleEventID(chargerID string, ts time.Time, s Sample) string {
	return eventID(chargerID, "MeterValues",
		strconv.Itoa(s.ConnectorID), canonTime(ts), s.Measurand, s.Phase, s.Location, s.Unit, s.Value)
}
