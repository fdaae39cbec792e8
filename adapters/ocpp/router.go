package ocpp

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"
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
}

// handler serves one action: it decodes and validates the payload, calls
// the Backend and returns the confirmation to send. A *CallError is sent
// as is; any other error is a backend failure.
type handler func(ctx context.Context, r *Router, chargerID string, payload json.RawMessage) (any, error)

// handlers routes each action the Central System receives to its handler.
var handlers = map[string]handler{
	"BootNotification":   handleBoot,
	"Heartbeat":          handleHeartbeat,
	"StatusNotification": handleStatus,
	"Authorize":          handleAuthorize,
	"StartTransaction":   handleStart,
	"MeterValues":        handleMeter,
	"StopTransaction":    handleStop,
	"DataTransfer":       handleDataTransfer,
}

// Router answers the CALLs a charger sends, one handler per action.
// It is safe for concurrent use by many connections.
type Router struct {
	backend  Backend
	interval time.Duration
	now      func() time.Time
	log      *slog.Logger
}

// NewRouter returns a Router serving b.
func NewRouter(b Backend, cfg Config) *Router {
	r := &Router{backend: b, interval: cfg.HeartbeatInterval, now: cfg.Now, log: cfg.Logger}
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

// Handle serves one CALL from chargerID and returns the CALLRESULT payload
// (a confirmation struct, ready for json.Marshal) or a *CallError to send
// as CALLERROR: NotImplemented for an unknown action, the matching
// violation code for a payload that breaks the 1.6 schema, InternalError
// when the Backend fails.
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

// HandleFrame serves one CALL frame and returns the encoded CALLRESULT or
// CALLERROR to send back.
func (r *Router) HandleFrame(ctx context.Context, chargerID string, f Frame) []byte {
	conf, cerr := r.Handle(ctx, chargerID, f.Action, f.Payload)
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
