package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"
)

// staffFlags are serve's flags of staff sign-in (besides --staff-token).
type staffFlags struct {
	TokenFile  string
	SessionTTL time.Duration
}

func (s *staffFlags) flags(fs *flag.FlagSet) {
	fs.StringVar(&s.TokenFile, "staff-token-file", "", "file holding the bootstrap admin token (instead of --staff-token, so it is not in the command line); a trailing newline is ignored")
	fs.DurationVar(&s.SessionTTL, "staff-session-ttl", 12*time.Hour, "how long a dashboard sign-in lasts")
}

// readStaffTokenFile reads --staff-token-file, warning when the file is
// readable by its group or others.
func readStaffTokenFile(path string, log *slog.Logger) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("--staff-token-file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		log.Warn("the staff token file is readable by others than its owner; chmod 600 it", "file", path, "mode", fi.Mode().Perm().String())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--staff-token-file: %w", err)
	}
	tok := strings.TrimRight(string(b), "\r\n")
	if strings.TrimSpace(tok) == "" {
		return "", fmt.Errorf("--staff-token-file %s is empty", path)
	}
	if strings.ContainsAny(tok, "\r\n") {
		return "", fmt.Errorf("--staff-token-file %s holds more than one line", path)
	}
	return tok, nil
}

// resolveStaffToken applies --staff-token-file: refused together with
// --staff-token.
func (m *Main) resolveStaffToken() error {
	c := &m.Config
	if c.Staff.TokenFile == "" {
		return nil
	}
	if c.StaffToken != "" {
		return fmt.Errorf("give --staff-token or --staff-token-file, not both")
	}
	tok, err := readStaffTokenFile(c.Staff.TokenFile, m.Log)
	if err != nil {
		return err
	}
	c.StaffToken = tok
	return nil
}
