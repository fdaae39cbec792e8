// Package charger is the charger WebSocket edge (port 3100,
// /chargers/{chargerId}). A charger that offers no subprotocol speaks the
// simple JSON protocol of DESIGN.md; one that offers ocpp1.6 is handed to the
// OCPP codec. Readings become domain commands; a reading is acknowledged
// only once the event store has stored it.
package charger
