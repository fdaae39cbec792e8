package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/chargebooth/chargebooth/domain"
)

// maxBody bounds a request body.
const maxBody = 64 << 10

// decodeRequest reads r's body (see readBody) and decodes it strictly
// into dst (see decodeJSON). An empty body is accepted as {} when emptyOK.
func decodeRequest(w http.ResponseWriter, r *http.Request, dst any, emptyOK bool) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	if emptyOK && len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	return decodeJSON(body, dst)
}

// readBody reads at most maxBody bytes of r's body (413 beyond). A
// Content-Type other than application/json is refused with 415; none at
// all is accepted.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return nil, domain.Errorf(codeUnsupportedMedia, "Content-Type must be application/json (got %.60q)", ct)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, domain.Errorf(codeBodyTooLarge, "the body is larger than %d bytes", maxBody)
		}
		return nil, domain.Errorf(domain.CodeMalformedJSON, "the body could not be read")
	}
	return body, nil
}

// decodeJSON decodes exactly one JSON object into dst: no unknown fields,
// nothing after it. Errors are domain errors (malformed_json,
// invalid_input, or the code a field's own decoder chose).
func decodeJSON(body []byte, dst any) error {
	if len(body) > maxBody {
		return domain.Errorf(codeBodyTooLarge, "the body is larger than %d bytes", maxBody)
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return domain.Errorf(domain.CodeMalformedJSON, "the body is empty; send a JSON object")
	}
	if trimmed[0] != '{' {
		return domain.Errorf(domain.CodeMalformedJSON, "the body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return domain.Errorf(domain.CodeMalformedJSON, "the body must hold exactly one JSON value")
	}
	return nil
}

// decodeError turns an encoding/json error into a domain error a person
// can act on.
func decodeError(err error) error {
	var de *domain.Error
	if errors.As(err, &de) {
		return de
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return domain.Errorf(domain.CodeMalformedJSON, "the body is not valid JSON")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return domain.Errorf(domain.CodeMalformedJSON, "the body must be a JSON object")
		}
		return domain.Errorf(domain.CodeInvalidInput, "%s must be a JSON %s", typ.Field, jsonKind(typ.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return domain.Errorf(domain.CodeInvalidInput, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return domain.Errorf(domain.CodeMalformedJSON, "the body is not valid JSON")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "int", "int64", "int32", "float64", "uint64":
		return "number"
	}
	return "value of the right type"
}

// cents is an amount of money in the smallest unit. It decodes only from a
// JSON integer: a fraction, an exponent, a string or null is invalid_amount.
type cents int64

// UnmarshalJSON implements json.Unmarshaler.
func (c *cents) UnmarshalJSON(b []byte) error {
	s := string(b)
	if !isJSONInteger(s) {
		return domain.Errorf(domain.CodeInvalidAmount, "amountCents must be a whole number of cents (got %.40s)", s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return domain.Errorf(domain.CodeInvalidAmount, "amountCents is out of range")
	}
	*c = cents(n)
	return nil
}

// isJSONInteger reports whether s is a JSON number without fraction or
// exponent.
func isJSONInteger(s string) bool {
	if strings.HasPrefix(s, "-") {
		s = s[1:]
	}
	if s == "" || len(s) > 1 && s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// intField is an integer request field (connector or transaction id) that
// refuses fractions and strings with invalid_input.
type intField struct {
	set bool
	n   int
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *intField) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if !isJSONInteger(s) {
		return domain.Errorf(domain.CodeInvalidInput, "expected a whole number (got %.40s)", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return domain.Errorf(domain.CodeInvalidInput, "number %s is out of range", s)
	}
	f.set, f.n = true, n
	return nil
}
