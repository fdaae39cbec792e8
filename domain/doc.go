// Package domain holds chargebooth's events and their registry, the charger
// aggregate (sessions, payments, hand-back) as decide/apply, the SoC → LED
// rule, the pairing rules, the tariff, the domain errors and the ports that
// the event store implements.
//
// It is pure Go: no I/O, no NATS, no sockets and no clock reads. Time and ids
// are passed in.
package domain
