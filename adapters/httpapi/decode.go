package httpapi

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/chargebooth/chargebooth/domain"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
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

// decodeJSON decodes exactly one JSON object into dst, strictly, with
// encoding/json v2 semantics (go-json-experiment/json): field names match
// case-sensitively, a name given twice, an unknown name, invalid UTF-8
// (raw or as an escaped lone surrogate) and anything after the object are
// refused. Errors are domain errors (malformed_json, invalid_input, or the
// code a field's own decoder chose) whose message names the problem.
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
	if !utf8.Valid(body) {
		return errInvalidUTF8
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	if err := jsonv2.UnmarshalDecode(dec, dst, jsonv2.RejectUnknownMembers(true)); err != nil {
		return decodeError(err, dst)
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return domain.Errorf(domain.CodeMalformedJSON, "the body must hold exactly one JSON value")
	}
	return nil
}

// errInvalidUTF8 refuses a body that is not UTF-8 instead of replacing
// what it cannot read.
var errInvalidUTF8 = domain.Errorf(domain.CodeMalformedJSON, "invalid UTF-8 in the request body")

// decodeError turns a go-json-experiment/json error into a domain error a
// person can act on; dst names the fields a misspelt name is held against.
func decodeError(err error, dst any) error {
	var de *domain.Error
	if errors.As(err, &de) {
		return de
	}
	var sem *jsonv2.SemanticError
	var syn *jsontext.SyntacticError
	switch {
	case errors.As(err, &syn):
		switch {
		case syn.Err == jsontext.ErrDuplicateName:
			return domain.Errorf(domain.CodeInvalidInput, "duplicate field %s", quoteName(syn.JSONPointer.LastToken()))
		case syn.Err != nil && (syn.Err.Error() == "invalid UTF-8" || strings.HasPrefix(syn.Err.Error(), "invalid surrogate pair")):
			return errInvalidUTF8 // an escaped lone surrogate such as \ud800 encodes no character
		}
		return domain.Errorf(domain.CodeMalformedJSON, "the body is not valid JSON")
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return domain.Errorf(domain.CodeMalformedJSON, "the body is not valid JSON")
	case errors.As(err, &sem):
		field := fieldPath(sem.JSONPointer)
		if sem.Err == jsonv2.ErrUnknownName {
			name := sem.JSONPointer.LastToken()
			if like := caseFold(name, dst, sem.JSONPointer); like != "" {
				return domain.Errorf(domain.CodeInvalidInput, "unknown field %s (field names are case-sensitive: did you mean %s?)", quoteName(name), quoteName(like))
			}
			return domain.Errorf(domain.CodeInvalidInput, "unknown field %s", quoteName(name))
		}
		if field == "" {
			return domain.Errorf(domain.CodeMalformedJSON, "the body must be a JSON object")
		}
		if sem.GoType != nil {
			return domain.Errorf(domain.CodeInvalidInput, "%s must be a JSON %s", field, jsonKind(sem.GoType.Kind().String()))
		}
		return domain.Errorf(domain.CodeInvalidInput, "%s has the wrong type", field)
	}
	return domain.Errorf(domain.CodeMalformedJSON, "the body is not valid JSON")
}

// quoteName quotes a field name for a message, bounded so that a huge
// name does not make a huge answer.
func quoteName(name string) string {
	if len(name) > 60 {
		name = name[:60] + "…"
	}
	return strconv.Quote(name)
}

// fieldPath spells a JSON pointer as a dotted field path ("/a/b" is
// "a.b"), as encoding/json v1 named fields.
func fieldPath(p jsontext.Pointer) string {
	var parts []string
	for tok := range p.Tokens() {
		parts = append(parts, tok)
	}
	return strings.Join(parts, ".")
}

// caseFold returns the declared JSON name of dst's top-level struct that
// equals name but for case, or "" (nested or no such field).
func caseFold(name string, dst any, p jsontext.Pointer) string {
	if p.Parent() != "" {
		return ""
	}
	t := reflect.TypeOf(dst)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return ""
	}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		n, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if n == "-" {
			continue
		}
		if n == "" {
			n = f.Name
		}
		if n != name && strings.EqualFold(n, name) {
			return n
		}
	}
	return ""
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
	n, err := parseCents(b, "amountCents")
	if err != nil {
		return err
	}
	*c = cents(n)
	return nil
}

// parseCents parses b, a JSON integer within int64, as cents; anything
// else is invalid_amount, the message naming what (a field, "amount").
func parseCents(b []byte, what string) (int64, error) {
	s := string(b)
	if !isJSONInteger(s) {
		return 0, domain.Errorf(domain.CodeInvalidAmount, "%s must be a whole number of cents (got %.40s)", what, s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, domain.Errorf(domain.CodeInvalidAmount, "%s %.40s is out of range", what, s)
	}
	return n, nil
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
