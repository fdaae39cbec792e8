package domain

import (
	"math"
	"strconv"
	"strings"
)

// ValidateSoC is the one check of a state of charge already a number (a
// JSON "soc", a decided reading): finite, from 0 to 100 inclusive. Its
// error has the code invalid_soc.
func ValidateSoC(soc float64) error {
	if math.IsNaN(soc) || math.IsInf(soc, 0) || soc < 0 || soc > 100 {
		return Errorf(CodeInvalidSoC, "soc must be a number from 0 to 100, got %s", strconv.FormatFloat(soc, 'g', -1, 64))
	}
	return nil
}

// ParseSoC is the one parser of a state of charge written as text, the
// form of OCPP sampled values ("70.0") and of readings typed into the
// charger mock: a decimal number from 0 to 100, spaces around it ignored.
// Its error has the code invalid_soc and quotes the text (cut to 32
// bytes): "\"abc\" is not a number from 0 to 100".
func ParseSoC(s string) (float64, error) {
	t := strings.TrimSpace(s)
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || ValidateSoC(v) != nil {
		// A copy, so that s does not escape: a caller's string([]byte)
		// conversion stays on its stack.
		return 0, Errorf(CodeInvalidSoC, "%q is not a number from 0 to 100", strings.Clone(clipText(t)))
	}
	return v, nil
}

// clipText cuts s to 32 bytes for an error message.
func clipText(s string) string {
	if len(s) > 32 {
		return strings.ToValidUTF8(s[:32], "") + "…"
	}
	return s
}
