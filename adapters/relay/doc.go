// Package relay routes commands for a charger to the instance that holds
// its socket: directly when this instance holds it, else over a bus (NATS
// request/reply in production) to the instance that does. Each holder
// serves its chargers' subjects while their sockets are open.
//
// It carries OCPP remote start and stop today; a command is an action
// name and its JSON, so further server-initiated calls ride the same path.
package relay
