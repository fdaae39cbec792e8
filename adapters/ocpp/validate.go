package ocpp

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
)

// dateTimeLayout is how OCPP 1.6 dateTime fields are parsed: RFC 3339 with
// a zone (Z or an offset); fractional seconds are accepted when parsing.
const dateTimeLayout = time.RFC3339

// validate checks the struct tags of the message types. The tags mirror the
// OCPP 1.6 JSON schemas: required fields (pointers when their zero value is
// legal), CiString lengths (max=20/25/50/255/500), enumerations (oneof),
// integer ranges and dateTime strings (the "datetime" alias).
var validate = newValidator()

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	v.RegisterAlias("ocppdatetime", "datetime="+dateTimeLayout)
	return v
}

// DecodePayload decodes a CALL or CALLRESULT payload into v (a pointer to
// one of the message types) and validates it. The error is a *CallError:
// TypeConstraintViolation when a field has the wrong JSON type (or the
// payload is not an object), otherwise whatever ValidatePayload reports.
// Fields the 1.6 schema does not know are ignored, so chargers that add
// vendor fields are still served.
func DecodePayload(payload json.RawMessage, v any) error {
	if err := decodeJSON(payload, v); err != nil {
		return err
	}
	return ValidatePayload(v)
}

// decodeJSON is DecodePayload without the validation.
func decodeJSON(payload json.RawMessage, v any) error {
	if err := json.Unmarshal(payload, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			field := typeErr.Field
			if field == "" {
				field = "payload"
			}
			return callError(CodeTypeConstraintViolation, "%s: want %s, got %s", field, typeName(typeErr.Type), typeErr.Value)
		}
		return callError(CodeFormationViolation, "payload is not a valid JSON object")
	}
	return nil
}

// ValidatePayload checks a message against its OCPP 1.6 definition and
// returns nil or a *CallError: OccurenceConstraintViolation for a missing
// required field or too few/many array items, PropertyConstraintViolation
// for a bad enumeration value, a too-long string, an out-of-range number or
// a malformed dateTime. Only the first violation is reported.
func ValidatePayload(v any) error {
	err := validate.Struct(v)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) || len(verrs) == 0 {
		return callError(CodeFormationViolation, "payload cannot be validated")
	}
	fe := verrs[0]
	field := fieldPath(fe.Namespace())
	switch {
	case fe.Tag() == "required":
		return callError(CodeOccurenceConstraintViolation, "%s: required", field)
	case (fe.Tag() == "min" || fe.Tag() == "max") && (fe.Kind() == reflect.Slice || fe.Kind() == reflect.Array):
		return callError(CodeOccurenceConstraintViolation, "%s: %s %s items", field, fe.Tag(), fe.Param())
	case fe.Tag() == "max" && fe.Kind() == reflect.String:
		return callError(CodePropertyConstraintViolation, "%s: longer than %s characters", field, fe.Param())
	case fe.Tag() == "oneof":
		return callError(CodePropertyConstraintViolation, "%s: %q is not one of %s", field, fe.Value(), fe.Param())
	case fe.Tag() == "ocppdatetime":
		return callError(CodePropertyConstraintViolation, "%s: not an RFC 3339 dateTime", field)
	}
	if fe.Param() != "" {
		return callError(CodePropertyConstraintViolation, "%s: must be %s %s", field, fe.Tag(), fe.Param())
	}
	return callError(CodePropertyConstraintViolation, "%s: invalid (%s)", field, fe.Tag())
}

// fieldPath drops the Go struct name from a validator namespace:
// "BootNotificationReq.chargePointVendor" becomes "chargePointVendor".
func fieldPath(ns string) string {
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return ns
}

// typeName names a Go type by its JSON type, for error descriptions.
func typeName(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return t.Kind().String()
}

// parseDateTime parses a dateTime that ValidatePayload has accepted.
func parseDateTime(s string) time.Time {
	t, err := time.Parse(dateTimeLayout, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// formatDateTime formats t as OCPP wants to read it: UTC, millisecond
// precision, with a Z.
func formatDateTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
