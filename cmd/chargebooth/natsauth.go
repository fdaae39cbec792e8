package main

import (
	"flag"
	"fmt"

	"github.com/nats-io/nats.go"
)

// natsAuth is how serve and the ops tools log in to an external NATS.
type natsAuth struct {
	Creds, Token, User, Password string
	CA, Cert, Key                string
}

func (a *natsAuth) flags(fs *flag.FlagSet) {
	fs.StringVar(&a.Creds, "nats-creds", "", "NATS credentials file (with --nats-url)")
	fs.StringVar(&a.Token, "nats-token", "", "NATS token (with --nats-url)")
	fs.StringVar(&a.User, "nats-user", "", "NATS user (with --nats-url)")
	fs.StringVar(&a.Password, "nats-password", "", "NATS password (with --nats-url)")
	fs.StringVar(&a.CA, "nats-tls-ca", "", "CA file to verify the NATS servers (with --nats-url)")
	fs.StringVar(&a.Cert, "nats-tls-cert", "", "client certificate for NATS TLS (with --nats-tls-key)")
	fs.StringVar(&a.Key, "nats-tls-key", "", "client key for NATS TLS")
}

// options turns the flags into connection options.
func (a *natsAuth) options() ([]nats.Option, error) {
	var opts []nats.Option
	if a.Creds != "" {
		opts = append(opts, nats.UserCredentials(a.Creds))
	}
	if a.Token != "" {
		opts = append(opts, nats.Token(a.Token))
	}
	if a.User != "" {
		opts = append(opts, nats.UserInfo(a.User, a.Password))
	}
	if a.CA != "" {
		opts = append(opts, nats.RootCAs(a.CA))
	}
	if (a.Cert == "") != (a.Key == "") {
		return nil, fmt.Errorf("--nats-tls-cert and --nats-tls-key go together")
	}
	if a.Cert != "" {
		opts = append(opts, nats.ClientCert(a.Cert, a.Key))
	}
	return opts, nil
}
