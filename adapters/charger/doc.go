// Package charger is the charger WebSocket edge (port 3100,
// /chargers/{chargerId}). A charger that offers no subprotocol speaks the
// simple JSON protocol of DESIGN.md; one that offers ocpp1.6 is handed to the
// OCPP codec. Readings become domain commands; a reading is acknowledged
// only once the event store has stored it.
//
// For OCPP chargers held here, Server.Call sends any server-initiated call
// (RemoteStart and RemoteStop are two of them) and records each call and
// its outcome as ocpp.call_* events on the charger's subject (a call that
// cannot be recorded is not sent); OCPPConfig.Configuration
// (--ocpp-config) is applied after every Accepted boot and its results
// recorded as ocpp.configuration_applied.
package charger
