package ocpp

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"golang.org/x/time/rate"
)

// Config tunes a Router.
type Config struct {
	// HeartbeatInterval is sent as BootNotification's interval (rounded
	// to whole seconds); 0 means 300 s.
	HeartbeatInterval time.Duration
	// Now is the server clock; nil means time.Now.
	Now func() time.Time
	// Logger receives backend errors; nil means slog.Default().
	Logger *slog.Logger
	// Rate is how many messages a second one connection may send
	// (DefaultRate), Burst how many at once (DefaultBurst). A CALL over
	// the rate is answered with CALLERROR GenericError and not served;
	// other frames over it are dropped.
	Rate  rate.Limit
	Burst int
	// Meter bounds one MeterValues message.
	Meter MeterLimits
	// Refused, when set, hears every CALL refused by a limit or by the
	// boot rule, with its reason (RefusedRate, RefusedBoot, RefusedMeter):
	// for metrics. It must be cheap and safe for concurrent use.
	Refused func(chargerID, reason string)
}

// handler serves one action: it decodes and validates the payload, calls
// the Backend and returns the confirmation to send. A *CallError is sent
// as is; any other error is a backend failure.
type handler func(ctx context.Context, r *Router, chargerID string, payload json.RawMessage) (any, error)

// actionBoot is the one action a charger whose boot is not Accepted may send.
const actionBoot = "BootNotification"

// handlers routes each action the Central System receives to its handler.
var handlers = map[string]handler{
	actionBoot:           handleBoot,
	"Heartbeat":          handleHeartbeat,
	"StatusNotification": handleStatus,
	"Authorize":          handleAuthorize,
	"StartTransaction":   handleStart,
	"MeterValues":        handleMeter,
	"StopTransaction":    handleStop,
	"DataTransfer":       handleDataTransfer,

	"FirmwareStatusNotification":    handleFirmwareStatus,
	"DiagnosticsStatusNotification": handleDiagnosticsStatus,
	"SecurityEventNotification":     handleSecurityEvent,
}

// Router answers the CALLs a charger sends, one handler per action.
// It is safe for concurrent use by many connections.
type Router struct {
	backend  Backend
	toucher  Toucher // the backend's, or nil
	interval time.Duration
	now      func() time.Time
	log      *slog.Logger
	rate     rate.Limit
	burst    int
	meter    MeterLimits
	refused  func(chargerID, reason string)
}

// NewRouter returns a Router serving b.
func NewRouter(b Backend, cfg Config) *Router {
	r := &Router{backend: b, interval: cfg.HeartbeatInterval, now: cfg.Now, log: cfg.Logger,
		rate: cfg.Rate, burst: cfg.Burst, meter: cfg.Meter.withDefaults(), refused: cfg.Refused}
	if r.rate <= 0 {
		r.rate = DefaultRate
	}
	if r.burst <= 0 {
		r.burst = DefaultBurst
	}
	if r.refused == nil {
		r.refused = func(string, string) {}
	}
	r.toucher, _ = b.(Toucher)
	if r.interval <= 0 {
		r.interval = 300 * time.Second
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	return r
}

// Actions lists the actions the router serves.
func (r *Router) Actions() []string {
	names := make([]string, 0, len(handlers))
	for name := range handlers {
		names = append(names, name)
	}
	return names
}

// Serve serves one CALL of a connection: the boot rule, then Handle. A
// CALL other than BootNotification on a connection whose registration
// status is not Accepted (see Session.Boot) is answered with SecurityError
// and reaches no handler (OCPP 1.6 §4.2: until its boot is Accepted a
// charger may send BootNotification only). The answer to a
// BootNotification becomes the connection's status. Serve does not take
// from the rate: HandleFrame does.
func (r *Router) Serve(ctx context.Context, s *Session, action string, payload json.RawMessage) (any, *CallError) {
	if action != actionBoot {
		if d := s.standing(ctx, r.backend); d != BootAccepted {
			r.refused(s.chargerID, RefusedBoot)
			return nil, bootRefusal(d)
		}
	}
	conf, cerr := r.Handle(ctx, s.chargerID, action, payload)
	if c, ok := conf.(BootNotificationConf); ok && cerr == nil {
		s.setBoot(c.Status)
	}
	return conf, cerr
}

// Handle serves one CALL from chargerID, knowing nothing of its
// connection (no boot rule, no rate: connections use HandleFrame), and
// returns the CALLRESULT payload (a confirmation struct, ready for
// json.Marshal) or a *CallError to send as CALLERROR: NotImplemented for
// an unknown action, the matching violation code for a payload that breaks
// the 1.6 schema or a MeterLimits bound, InternalError when the Backend
// fails.
func (r *Router) Handle(ctx context.Context, chargerID, action string, payload json.RawMessage) (any, *CallError) {
	h, ok := handlers[action]
	if !ok {
		return nil, callError(CodeNotImplemented, "action %q is not implemented", action)
	}
	conf, err := h(ctx, r, chargerID, payload)
	if err == nil {
		return conf, nil
	}
	var ce *CallError
	if errors.As(err, &ce) {
		return nil, ce
	}
	r.log.ErrorContext(ctx, "ocpp backend", "charger", chargerID, "action", action, "err", err)
	return nil, backendCallError(err)
}

// HandleFrame serves one CALL frame of a connection and returns the
// encoded CALLRESULT or CALLERROR to send back. It takes one message from
// the connection's rate: over it, the answer is GenericError ("rate
// limited: …") and nothing is served; else it is Serve's.
func (r *Router) HandleFrame(ctx context.Context, s *Session, f Frame) []byte {
	var conf any
	var cerr *CallError
	if r.toucher != nil {
		r.toucher.Touch(s.chargerID, r.now())
	}
	if s.Allow() {
		conf, cerr = r.Serve(ctx, s, f.Action, f.Payload)
	} else {
		r.refused(s.chargerID, RefusedRate)
		cerr = &CallError{Code: CodeGenericError, Description: s.refuse}
	}
	chargerID := s.chargerID
	if cerr == nil {
		out, err := EncodeCallResult(f.ID, conf)
		if err == nil {
			return out
		}
		r.log.ErrorContext(ctx, "ocpp encode", "charger", chargerID, "action", f.Action, "err", err)
		cerr = &CallError{Code: CodeInternalError, Description: "internal error"}
	}
	out, _ := EncodeCallError(f.ID, cerr.Code, cerr.Description, cerr.Details)
	return out
}
