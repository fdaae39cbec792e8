// Package ocpp speaks OCPP 1.6J (JSON over WebSocket) with charge points.
//
// It is a protocol codec and session layer; of chargebooth's domain it
// uses only the pure helpers every edge shares (domain.DerivedID,
// domain.ParseSoC):
//
//   - frame.go parses and encodes the OCPP-J RPC frames (CALL, CALLRESULT,
//     CALLERROR) and reports malformed frames as a *ProtocolError carrying
//     the OCPP error code to answer with.
//   - The message types (BootNotificationReq, StartTransactionConf, …) are
//     validated with go-playground/validator struct tags that mirror the
//     OCPP 1.6 JSON schemas; failures map to the 1.6 error codes
//     (TypeConstraintViolation, OccurenceConstraintViolation,
//     PropertyConstraintViolation).
//   - Router dispatches a CALL through a table of small per-action
//     handlers to a Backend, the interface the rest of the program
//     implements in plain Go types.
//   - A Session is what the router keeps of one connection: the answer to
//     its BootNotification and its message rate. Until the boot is
//     Accepted (or the Backend says a charger that did not boot on this
//     connection stands Accepted, see Backend.BootStatus) every CALL but
//     BootNotification is answered SecurityError (OCPP 1.6 §4.2); over
//     Config.Rate a CALL is answered GenericError; a MeterValues over
//     MeterLimits is refused whole. A refused CALL reaches no Backend
//     method, so nothing is stored.
//   - Conn runs one charger's WebSocket: a reader and a writer goroutine,
//     a bounded send queue, ping/pong deadlines, and at most one
//     server-initiated call outstanding at a time.
//   - Server-initiated calls (Conn.Call with typed messages, Conn.CallRaw
//     with a JSON payload) are one machinery whatever the action: an
//     ActionSet names each action's request and confirmation types
//     (Actions16: Reset, ChangeAvailability, GetConfiguration,
//     ChangeConfiguration, ClearCache, UnlockConnector, TriggerMessage,
//     DataTransfer, GetLocalListVersion, SendLocalList,
//     RemoteStartTransaction, RemoteStopTransaction; one file each), the
//     request is validated before it is sent and the confirmation when it
//     comes, the answer is matched to its call by unique id, and a
//     CallJournal hears every call and its outcome.
//   - Configuration (--ocpp-config) is parsed by ParseConfiguration and
//     applied after an Accepted boot by ApplyConfiguration: GetConfiguration
//     for the keys, ChangeConfiguration for each reported value that
//     differs.
//
// Offline replay: chargers re-send queued StartTransaction, StopTransaction
// and MeterValues after a reconnect with new unique ids. The router derives
// a stable event id from the charger id, the action and the message's own
// content and timestamp (domain.DerivedID) and hands it to the Backend, which
// stores an event with a known id once.
package ocpp
