// Package tlsconf makes the booth's TLS configuration: where its server
// certificate comes from, how it is renewed without a restart, and how
// chargers are told apart by their client certificates.
//
// A Source serves tls.Config.GetCertificate from a PEM certificate and key
// pair on disk. It reloads the pair when the files change (Watch polls
// their size and modification time) or when asked (Reload, on SIGHUP); a
// new pair that does not load leaves the old one served and says why.
//
// SelfSigned is for offline sites: it keeps, in a directory, a local CA
// (ECDSA P-256, ten years) and a server certificate signed by it for the
// names the booth is reached by, making them on first start, reusing them
// after, and renewing the server certificate when it nears its end. Its
// Authority carries the CA's PEM (served by CAHandler, so devices and staff
// phones can install it) and SHA-256 fingerprint (printed, so they can check
// what they installed).
//
// For OCPP security profile 3, LoadCertPool reads the CAs that sign the
// chargers' certificates, ServerConfig asks for (and verifies) a client
// certificate when one is given, and ClientCN returns the verified
// certificate's subject CN, which the charger edge compares with the
// charger id.
package tlsconf
