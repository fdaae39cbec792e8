// Package relay routes commands for a charger to the instance that holds
// its socket: directly when this instance holds it, else over a bus (NATS
// request/reply in production) to the instance that does. Each holder
// serves its chargers' subjects while their sockets are open.
//
// It carries OCPP remote start and stop, and any server-initiated OCPP
// call (Relay.Call: an action name and its JSON payload), with the
// requester's actor and deadline, so the holder records the call as the
// requester's and gives up when the requester does.
package relay
