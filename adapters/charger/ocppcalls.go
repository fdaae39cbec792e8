package charger

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
	"github.com/chargebooth/chargebooth/domain"
)

// maxStoredResult bounds the CALLRESULT payload kept in an
// ocpp.call_answered event; a larger one is kept as its size.
const maxStoredResult = 64 << 10

// DefaultConfigCallTimeout bounds each call of the boot configuration
// when OCPPConfig.ConfigCallTimeout is 0.
const DefaultConfigCallTimeout = 30 * time.Second

type originKey struct{}

// withOrigin marks the calls made under ctx as made by origin
// (domain.OriginBootConfig).
func withOrigin(ctx context.Context, origin string) context.Context {
	return context.WithValue(ctx, originKey{}, origin)
}

// originOf is the origin ctx was marked with; unmarked calls came through
// Server.Call, RemoteStart or RemoteStop, which the staff API (directly or
// through the relay) uses: domain.OriginAPI.
func originOf(ctx context.Context) string {
	if o, ok := ctx.Value(originKey{}).(string); ok {
		return o
	}
	return domain.OriginAPI
}

// Call sends any server-initiated OCPP call (an action of
// ocpp.Actions16, its request as JSON) to a charger connected here and
// returns the charger's CALLRESULT payload. The call and its outcome are
// events on the charger's subject, stamped with ctx's actor. Errors:
// ErrNotConnected (also when the socket closes before the answer),
// ErrNotOCPP, an error wrapping context.DeadlineExceeded when the charger
// does not answer in time, and the ocpp package's errors otherwise
// (*ocpp.CallError for a CALLERROR, ocpp.ErrUnknownAction,
// ocpp.ErrInvalidRequest, ocpp.ErrInvalidConfirmation), or a domain store
// error when the call could not be recorded (it was not sent).
func (s *Server) Call(ctx context.Context, chargerID, action string, payload json.RawMessage) (json.RawMessage, error) {
	c, err := s.ocppConn(chargerID)
	if err != nil {
		return nil, err
	}
	res, err := c.CallRaw(ctx, action, payload)
	switch {
	case errors.Is(err, ocpp.ErrTimeout):
		return nil, errors.Join(context.DeadlineExceeded, err)
	case errors.Is(err, ocpp.ErrClosed):
		return nil, ErrNotConnected
	}
	return res, err
}

// callJournal records the server-initiated calls of every OCPP socket as
// events, and tells called (when set) how each ended.
type callJournal struct {
	s      *Server
	called func(action, outcome string, d time.Duration)
}

var _ ocpp.CallJournal = callJournal{}

func (j callJournal) record(ctx context.Context, chargerID string, p domain.Payload) error {
	ctx, cancel := context.WithTimeout(ctx, j.s.cfg.StoreTimeout)
	defer cancel()
	_, err := j.s.cfg.Service.OnCharger(ctx, chargerID, func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return c.Record(x, p), nil
	})
	return err
}

// CallSent implements ocpp.CallJournal: a call that cannot be recorded is
// not sent.
func (j callJournal) CallSent(ctx context.Context, rec ocpp.CallRecord) error {
	err := j.record(ctx, rec.ChargerID, domain.OCPPCallSent{UniqueID: rec.UniqueID, Action: rec.Action,
		Payload: rec.Payload, Origin: originOf(ctx)})
	if err == nil {
		return nil
	}
	j.s.cfg.Log.Warn("ocpp call not recorded, so not sent", "charger", rec.ChargerID, "action", rec.Action, "err", err)
	code, _ := storeError(err, "call")
	if code != domain.CodeStoreFull {
		code = domain.CodeStoreDown
	}
	msg := "the event store is unavailable; the call was not recorded, so not sent"
	if code == domain.CodeStoreFull {
		msg = "the event store is full; the call was not recorded, so not sent"
	}
	return errors.Join(domain.Errorf(code, "%s", msg), err)
}

// CallDone implements ocpp.CallJournal.
func (j callJournal) CallDone(ctx context.Context, rec ocpp.CallRecord, out ocpp.CallOutcome) {
	ms := out.Duration.Milliseconds()
	var p domain.Payload
	outcome := "answered"
	switch {
	case out.TimedOut:
		outcome = "timeout"
		p = domain.OCPPCallTimedOut{UniqueID: rec.UniqueID, Action: rec.Action, DurationMs: ms}
	case out.Failed != "":
		outcome = "failed"
		p = domain.OCPPCallFailed{UniqueID: rec.UniqueID, Action: rec.Action, Reason: out.Failed, DurationMs: ms}
	case out.Error != nil:
		outcome = "call_error"
		p = domain.OCPPCallAnswered{UniqueID: rec.UniqueID, Action: rec.Action, ErrorCode: string(out.Error.Code),
			ErrorDescription: out.Error.Description, DurationMs: ms}
	default:
		if out.Violation != "" {
			outcome = "invalid_answer"
		}
		a := domain.OCPPCallAnswered{UniqueID: rec.UniqueID, Action: rec.Action, Result: out.Result,
			Violation: out.Violation, DurationMs: ms}
		if len(a.Result) > maxStoredResult {
			a.Result, a.ResultBytes = nil, len(out.Result)
		}
		p = a
	}
	if j.called != nil {
		j.called(rec.Action, outcome, out.Duration)
	}
	if err := j.record(ctx, rec.ChargerID, p); err != nil {
		j.s.cfg.Log.Warn("ocpp call outcome not recorded", "charger", rec.ChargerID, "action", rec.Action,
			"uniqueId", rec.UniqueID, "err", err)
	}
}

// bootConfigurer applies the booth's configuration (--ocpp-config) after
// every Accepted boot and records the results.
type bootConfigurer struct {
	s       *Server
	want    ocpp.Configuration
	perCall time.Duration
}

// booted is the ocpp.ConnConfig.Booted hook.
func (b *bootConfigurer) booted(ctx context.Context, c *ocpp.Conn) {
	ctx = withOrigin(ctx, domain.OriginBootConfig)
	results := ocpp.ApplyConfiguration(ctx, c, b.want, b.perCall)
	out := domain.OCPPConfigurationApplied{Results: make([]domain.OCPPSettingResult, 0, len(results))}
	for _, r := range results {
		out.Results = append(out.Results, domain.OCPPSettingResult{Key: r.Key, Want: r.Want, Had: r.Had,
			Reported: r.Reported, Status: r.Status, Error: r.Error})
	}
	if err := (callJournal{s: b.s}).record(context.WithoutCancel(ctx), c.ChargerID(), out); err != nil {
		b.s.cfg.Log.Warn("ocpp boot configuration not recorded", "charger", c.ChargerID(), "err", err)
	}
}
