package testkit

import (
	"encoding/json"
	"testing"
)

// MustJSON returns v marshalled as JSON, failing the test if it cannot
// be: a way to compare two values as the API would write them.
func MustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
