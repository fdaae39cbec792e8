package eventstore_test

import "github.com/chargebooth/chargebooth/eventstore/estest"

// The package's tests share the acceptance suite's helpers (estest), so
// what the suite does to a store and what these tests do read the same.
var (
	newCharger  = estest.NewCharger
	reading     = estest.Reading
	readings    = estest.Readings
	ctxT        = estest.Context
	appendOK    = estest.AppendOK
	loadOK      = estest.LoadOK
	withSeqs    = estest.WithSeqs
	sameEvents  = estest.SameEvents
	follow      = estest.Follow
	appendMixed = estest.AppendMixed
)
