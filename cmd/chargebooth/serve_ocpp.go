package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/chargebooth/chargebooth/adapters/charger"
	"github.com/chargebooth/chargebooth/adapters/ocpp"
	"github.com/chargebooth/chargebooth/domain"
)

// ocppCallFlags are the flags of the server-initiated OCPP calls.
type ocppCallFlags struct {
	// ConfigFile is --ocpp-config: the keys applied after every Accepted
	// boot.
	ConfigFile string
	// ConfigTimeout bounds each call of the boot configuration.
	ConfigTimeout time.Duration
}

func (f *ocppCallFlags) flags(fs *flag.FlagSet) {
	fs.StringVar(&f.ConfigFile, "ocpp-config", "", `file of OCPP configuration keys ("key: value" lines, or a JSON object) applied after every Accepted BootNotification: GetConfiguration for the keys, then ChangeConfiguration for each value that differs; the results are on the charger's timeline`)
	fs.DurationVar(&f.ConfigTimeout, "ocpp-config-timeout", charger.DefaultConfigCallTimeout, "how long each call of --ocpp-config waits for the charger's answer")
}

// loadOCPPConfig reads --ocpp-config; none configures nothing.
func loadOCPPConfig(path string) (ocpp.Configuration, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--ocpp-config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, ocpp.MaxConfigFile+1))
	if err != nil {
		return nil, fmt.Errorf("--ocpp-config: %w", err)
	}
	cfg, err := ocpp.ParseConfiguration(data)
	if err != nil {
		return nil, fmt.Errorf("--ocpp-config %s: %w", path, err)
	}
	return cfg, nil
}

// ocppLine is replay's line for the events of server-initiated OCPP calls.
func ocppLine(p domain.Payload) (string, bool) {
	switch d := p.(type) {
	case domain.OCPPCallSent:
		s := fmt.Sprintf("OCPP %s sent %s (id %s)", d.Action, d.Payload, d.UniqueID)
		if d.Origin != "" {
			s += " from " + d.Origin
		}
		return s, true
	case domain.OCPPCallAnswered:
		switch {
		case d.ErrorCode != "":
			return fmt.Sprintf("OCPP %s answered CALLERROR %s %q in %d ms (id %s)", d.Action, d.ErrorCode, d.ErrorDescription, d.DurationMs, d.UniqueID), true
		case d.Violation != "":
			return fmt.Sprintf("OCPP %s answered %s, breaking the schema: %s (id %s)", d.Action, d.Result, d.Violation, d.UniqueID), true
		case d.ResultBytes > 0:
			return fmt.Sprintf("OCPP %s answered %d bytes in %d ms (id %s)", d.Action, d.ResultBytes, d.DurationMs, d.UniqueID), true
		}
		return fmt.Sprintf("OCPP %s answered %s in %d ms (id %s)", d.Action, d.Result, d.DurationMs, d.UniqueID), true
	case domain.OCPPCallTimedOut:
		return fmt.Sprintf("OCPP %s not answered within %d ms (id %s)", d.Action, d.DurationMs, d.UniqueID), true
	case domain.OCPPCallFailed:
		return fmt.Sprintf("OCPP %s failed: %s (id %s)", d.Action, d.Reason, d.UniqueID), true
	case domain.OCPPConfigurationApplied:
		parts := make([]string, 0, len(d.Results))
		for _, r := range d.Results {
			part := fmt.Sprintf("%s=%q %s", r.Key, r.Want, r.Status)
			if r.Error != "" {
				part += " (" + r.Error + ")"
			}
			parts = append(parts, part)
		}
		return "OCPP configuration: " + strings.Join(parts, "; "), true
	}
	return "", false
}
