package main

import (
	"flag"
	"fmt"
	"net"
	"path/filepath"
	"strings"

	"github.com/chargebooth/chargebooth/eventstore"
)

// natsLock is how the embedded NATS is kept to the booth: credentials
// made on first start in the data directory, and a loopback address
// unless remote clients are allowed explicitly.
type natsLock struct {
	AllowRemote bool
}

func (l *natsLock) flags(fs *flag.FlagSet) {
	fs.BoolVar(&l.AllowRemote, "nats-allow-remote", false, "let --nats-listen take an address other machines reach (clients still need the credentials in the data dir's "+eventstore.CredentialsFile+")")
}

// checkNATSListen refuses a --nats-listen address that is not loopback
// (127.0.0.0/8, ::1, localhost; an empty host is 127.0.0.1) unless
// allowRemote.
func checkNATSListen(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--nats-listen %q: %w", addr, err)
	}
	if allowRemote || isLoopback(host) {
		return nil
	}
	return fmt.Errorf("--nats-listen %s is not a loopback address: the embedded NATS holds every event of the booth and is meant for this machine only (127.0.0.1, ::1, localhost); give --nats-allow-remote as well to let other machines reach it (they still need the credentials in the data dir's %s)", addr, eventstore.CredentialsFile)
}

// isLoopback reports whether host names this machine only.
func isLoopback(host string) bool {
	if host == "" || strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	return ip != nil && ip.IsLoopback()
}

// credentialsPath is where the embedded NATS keeps its credentials.
func credentialsPath(dataDir string) string {
	return filepath.Join(dataDir, eventstore.CredentialsFile)
}
