package ocpp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits of a configuration file (ParseConfiguration).
const (
	// MaxSettings is how many keys one file may set.
	MaxSettings = 100
	// MaxConfigFile is the largest file read, in bytes.
	MaxConfigFile = 64 << 10
)

// Setting is one configuration key and the value the booth wants it to
// hold.
type Setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Configuration is the settings to apply to every charger after an
// Accepted BootNotification, in the order given.
type Configuration []Setting

// ParseConfiguration reads a configuration file: either a JSON object of
// key → value (a string; a number or boolean is taken as written; an array
// of strings is joined with commas, as comma-separated lists are sent),
//
//	{"MeterValuesSampledData": ["SoC", "Energy.Active.Import.Register"], "MeterValueSampleInterval": 30}
//
// or one "key: value" a line (blank lines and lines starting with # are
// skipped; the value may be double-quoted):
//
//	MeterValuesSampledData: SoC,Energy.Active.Import.Register
//	MeterValueSampleInterval: 30
//
// Keys are 1–50 characters and values at most 500 (the 1.6 CiString
// lengths), without control characters; a key given twice and more than
// MaxSettings keys are refused.
func ParseConfiguration(data []byte) (Configuration, error) {
	if len(data) > MaxConfigFile {
		return nil, fmt.Errorf("configuration is larger than %d bytes", MaxConfigFile)
	}
	if !utf8.Valid(data) {
		return nil, errors.New("configuration is not valid UTF-8")
	}
	var out Configuration
	var err error
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		out, err = parseConfigJSON(t)
	} else {
		out, err = parseConfigLines(string(data))
	}
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(out))
	for _, s := range out {
		if err := checkSetting(s); err != nil {
			return nil, err
		}
		k := strings.ToLower(s.Key)
		if seen[k] {
			return nil, fmt.Errorf("key %q is given twice", s.Key)
		}
		seen[k] = true
	}
	if len(out) > MaxSettings {
		return nil, fmt.Errorf("configuration sets %d keys, more than %d", len(out), MaxSettings)
	}
	return out, nil
}

func checkSetting(s Setting) error {
	switch {
	case s.Key == "":
		return errors.New("a key is empty")
	case utf8.RuneCountInString(s.Key) > 50:
		return fmt.Errorf("key %.60q is longer than 50 characters", s.Key)
	case utf8.RuneCountInString(s.Value) > 500:
		return fmt.Errorf("value of %q is longer than 500 characters", s.Key)
	case strings.IndexFunc(s.Key, unicode.IsControl) >= 0 || strings.IndexFunc(s.Value, unicode.IsControl) >= 0:
		return fmt.Errorf("key %q: control characters are not allowed", s.Key)
	}
	return nil
}

func parseConfigJSON(data []byte) (Configuration, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // {
		return nil, fmt.Errorf("configuration JSON: %w", err)
	}
	var out Configuration
	for dec.More() {
		if len(out) >= MaxSettings {
			return nil, fmt.Errorf("configuration sets more than %d keys", MaxSettings)
		}
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("configuration JSON: %w", err)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("configuration JSON: key %q: %w", key, err)
		}
		v, err := configValue(raw)
		if err != nil {
			return nil, fmt.Errorf("configuration JSON: key %q: %w", key, err)
		}
		out = append(out, Setting{Key: key, Value: v})
	}
	if _, err := dec.Token(); err != nil { // }
		return nil, fmt.Errorf("configuration JSON: %w", err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("configuration JSON: data after the object")
	}
	return out, nil
}

// configValue renders one JSON value as the string a charger is sent.
func configValue(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0:
		return "", errors.New("no value")
	case raw[0] == '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case raw[0] == '[':
		var items []string
		if err := json.Unmarshal(raw, &items); err != nil {
			return "", errors.New("an array must hold strings only")
		}
		return strings.Join(items, ","), nil
	case raw[0] == '{' || string(raw) == "null":
		return "", errors.New("want a string, number, boolean or array of strings")
	}
	return string(raw), nil // a number or boolean, as written
}

func parseConfigLines(text string) (Configuration, error) {
	var out Configuration
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if len(out) >= MaxSettings {
			return nil, fmt.Errorf("configuration sets more than %d keys", MaxSettings)
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("line %d: want key: value", n+1)
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			v, err := strconv.Unquote(value)
			if err != nil {
				return nil, fmt.Errorf("line %d: bad quoted value: %w", n+1, err)
			}
			value = v
		}
		if key == "" {
			return nil, fmt.Errorf("line %d: empty key", n+1)
		}
		out = append(out, Setting{Key: key, Value: value})
	}
	return out, nil
}

// Outcomes of one setting beside the charger's ChangeConfiguration statuses
// (Accepted, RebootRequired, Rejected, NotSupported).
const (
	// SettingUnchanged: the charger already holds the value; nothing sent.
	SettingUnchanged = "Unchanged"
	// SettingReadOnly: the charger reports the key read-only; nothing sent.
	SettingReadOnly = "ReadOnly"
	// SettingFailed: ChangeConfiguration got no answer or a CALLERROR.
	SettingFailed = "Failed"
)

// SettingResult is what became of one setting.
type SettingResult struct {
	Key  string
	Want string
	// Had is the value the charger reported; Reported says whether it
	// reported the key at all (GetConfiguration may fail or not list it).
	Had      string
	Reported bool
	// Status is the charger's ChangeConfiguration status, or
	// SettingUnchanged, SettingReadOnly or SettingFailed.
	Status string
	// Error says why the call failed (SettingFailed).
	Error string
}

// ApplyConfiguration brings the charger to want: one GetConfiguration for
// the keys, then a ChangeConfiguration for each key whose reported value
// differs (compared as 1.6 CiStrings, without case, and comma-separated
// lists item by item without surrounding blanks), or that was not
// reported. A key reported read-only is not sent. When GetConfiguration
// fails every key is sent. Each call gets perCall (or what is left of
// ctx). The results are in want's order; ApplyConfiguration stops early
// only when ctx ends or the connection closes (the rest are SettingFailed).
func ApplyConfiguration(ctx context.Context, c *Conn, want Configuration, perCall time.Duration) []SettingResult {
	if len(want) == 0 {
		return nil
	}
	keys := make([]string, len(want))
	for i, s := range want {
		keys[i] = s.Key
	}
	reported := map[string]KeyValue{}
	var got GetConfigurationConf
	cctx, cancel := context.WithTimeout(ctx, perCall)
	err := c.Call(cctx, ActionGetConfiguration, GetConfigurationReq{Key: keys}, &got)
	cancel()
	if err == nil {
		for _, kv := range got.ConfigurationKey {
			reported[strings.ToLower(*kv.Key)] = kv
		}
	}
	out := make([]SettingResult, 0, len(want))
	for _, s := range want {
		r := SettingResult{Key: s.Key, Want: s.Value}
		if kv, ok := reported[strings.ToLower(s.Key)]; ok {
			r.Reported = true
			if kv.Value != nil {
				r.Had = *kv.Value
			}
			switch {
			case kv.Value != nil && SameSetting(*kv.Value, s.Value):
				r.Status = SettingUnchanged
			case *kv.Readonly:
				r.Status = SettingReadOnly
			}
			if r.Status != "" {
				out = append(out, r)
				continue
			}
		}
		if ctx.Err() != nil || isClosed(c) {
			r.Status, r.Error = SettingFailed, "not sent: the connection ended"
			out = append(out, r)
			continue
		}
		key, value := s.Key, s.Value
		var conf ChangeConfigurationConf
		cctx, cancel := context.WithTimeout(ctx, perCall)
		err := c.Call(cctx, ActionChangeConfiguration, ChangeConfigurationReq{Key: &key, Value: &value}, &conf)
		cancel()
		if err != nil {
			r.Status, r.Error = SettingFailed, describeCallErr(err)
		} else {
			r.Status = conf.Status
		}
		out = append(out, r)
	}
	return out
}

// SameSetting reports whether a charger's value equals the wanted one as
// ApplyConfiguration compares them.
func SameSetting(have, want string) bool {
	return strings.EqualFold(normalizeCSL(have), normalizeCSL(want))
}

func normalizeCSL(s string) string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return strings.Join(parts, ",")
}

func isClosed(c *Conn) bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// describeCallErr says in a few words why a call failed.
func describeCallErr(err error) string {
	var ce *CallError
	switch {
	case errors.Is(err, ErrTimeout):
		return "the charger did not answer in time"
	case errors.Is(err, ErrClosed):
		return "the connection closed before the answer"
	case errors.Is(err, ErrInvalidConfirmation) && errors.As(err, &ce):
		return "invalid answer: " + ce.Description
	case errors.As(err, &ce):
		return ce.Error()
	}
	return err.Error()
}
