package eventstore

import (
	"fmt"
	"strings"

	"github.com/chargebooth/chargebooth/domain"
)

// Subject returns the subject of an aggregate: <prefix>.<kind>.<id>, with
// every '.' of the id written as '~' so that the id stays one token;
// aggregates without an id (pairings, notices) are <prefix>.<kind>.
func Subject(prefix string, key domain.StreamKey) string {
	if key.ID == "" {
		return prefix + "." + key.Kind
	}
	return prefix + "." + key.Kind + "." + strings.ReplaceAll(key.ID, ".", "~")
}

// checkKey refuses keys that would not make one literal subject.
func checkKey(key domain.StreamKey) error {
	if !validToken(key.Kind) {
		return fmt.Errorf("aggregate kind %q is not a subject token", key.Kind)
	}
	switch key.Kind {
	case domain.KindPairings, domain.KindNotices:
		if key.ID != "" {
			return fmt.Errorf("aggregate %s takes no id (got %q)", key.Kind, key.ID)
		}
		return nil
	}
	if key.ID == "" {
		return fmt.Errorf("aggregate %s needs an id", key.Kind)
	}
	for i := 0; i < len(key.ID); i++ {
		c := key.ID[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return fmt.Errorf("aggregate %s id %q may only hold A-Z a-z 0-9 . _ -", key.Kind, key.ID)
		}
	}
	return nil
}

func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == '.' || c == '*' || c == '>' || c == '~' || c >= 0x7f {
			return false
		}
	}
	return true
}
