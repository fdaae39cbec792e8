package ocpp

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"
)

// Call sends a server-initiated CALL (e.g. ActionRemoteStartTransaction
// with a RemoteStartTransactionReq) and decodes the charger's CALLRESULT
// into resp (e.g. *RemoteStartTransactionConf; nil to ignore it).
//
// At most one server-initiated call is outstanding per charger: a second
// Call waits until the first has its answer, fails or times out — or until
// its own ctx ends. Every call that gets a unique id is told to the
// connection's CallJournal (ConnConfig.Journal). It returns:
//   - a *CallError (errors.As) when the charger answers with a CALLERROR;
//   - an error wrapping ErrInvalidConfirmation and a *CallError (the
//     violation) when the charger's confirmation breaks the 1.6 schema;
//   - an error wrapping ErrTimeout and context.DeadlineExceeded when ctx's
//     deadline passes first (also while waiting for the slot); a canceled
//     ctx gives context.Canceled;
//   - ErrClosed when the connection ends first;
//   - an error wrapping ErrInvalidRequest and a *CallError when req itself
//     breaks the schema (nothing is sent);
//   - the journal's error when it could not record the call (nothing is
//     sent).
func (c *Conn) Call(ctx context.Context, action string, req, resp any) error {
	if isStruct(req) {
		if err := ValidatePayload(req); err != nil {
			return fmt.Errorf("call %s: %w: %w", action, ErrInvalidRequest, err)
		}
	}
	payload, err := marshalObject(req)
	if err != nil {
		return fmt.Errorf("call %s: %w", action, err)
	}
	check := func(p json.RawMessage) error {
		if resp == nil {
			return nil
		}
		return DecodePayload(p, resp)
	}
	_, err = c.roundTrip(ctx, action, payload, check)
	return err
}

// CallRaw sends a server-initiated CALL whose payload is given as JSON:
// the request of one of the connection's actions (ConnConfig.Actions,
// Actions16 by default), checked against the action's schema before it is
// sent (unknown fields refused). It returns the charger's CALLRESULT
// payload, checked against the confirmation's schema. Errors are those of
// Call; an action the set does not hold gives ErrUnknownAction. With
// ErrInvalidConfirmation the payload is returned too.
func (c *Conn) CallRaw(ctx context.Context, action string, payload json.RawMessage) (json.RawMessage, error) {
	a, ok := c.cfg.Actions.Lookup(action)
	if !ok {
		return nil, fmt.Errorf("call %s: %w", action, ErrUnknownAction)
	}
	if err := a.CheckRequest(payload); err != nil {
		return nil, fmt.Errorf("call %s: %w: %w", action, ErrInvalidRequest, err)
	}
	var buf bytes.Buffer
	if len(bytes.TrimSpace(payload)) == 0 {
		buf.WriteString("{}")
	} else if err := json.Compact(&buf, payload); err != nil {
		return nil, fmt.Errorf("call %s: %w: %w", action, ErrInvalidRequest, callError(CodeFormationViolation, "payload is not valid JSON"))
	}
	return c.roundTrip(ctx, action, buf.Bytes(), a.CheckConfirmation)
}

// roundTrip sends one CALL with payload (a JSON object) and waits for its
// answer. check validates a CALLRESULT's payload; its error comes back
// wrapped in ErrInvalidConfirmation, beside the payload.
func (c *Conn) roundTrip(ctx context.Context, action string, payload json.RawMessage, check func(json.RawMessage) error) (json.RawMessage, error) {
	select {
	case c.slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctxError(ctx, action)
	case <-c.done:
		return nil, fmt.Errorf("call %s: %w", action, ErrClosed)
	}
	defer func() { <-c.slot }()

	id := rand.Text()
	frame, err := json.Marshal([]any{TypeCall, id, action, payload})
	if err != nil {
		return nil, fmt.Errorf("encode call %s: %w", action, err)
	}
	rec := CallRecord{ChargerID: c.id, UniqueID: id, Action: action, Payload: payload, Sent: time.Now()}
	if err := c.cfg.Journal.CallSent(ctx, rec); err != nil {
		return nil, fmt.Errorf("call %s: record: %w", action, err)
	}
	p := &pendingCall{id: id, reply: make(chan Frame, 1)}
	c.mu.Lock()
	c.pending = p
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		if c.pending == p {
			c.pending = nil
		}
		c.mu.Unlock()
	}()
	done := func(out CallOutcome) {
		out.Duration = time.Since(rec.Sent)
		c.cfg.Journal.CallDone(context.WithoutCancel(ctx), rec, out)
	}
	fail := func(err error) (json.RawMessage, error) {
		out := CallOutcome{Failed: err.Error()}
		if errors.Is(err, ErrTimeout) {
			out = CallOutcome{TimedOut: true}
		}
		done(out)
		return nil, err
	}

	select {
	case c.send <- frame:
	case <-ctx.Done():
		return fail(ctxError(ctx, action))
	case <-c.done:
		return fail(fmt.Errorf("call %s: %w", action, ErrClosed))
	}
	var f Frame
	select {
	case f = <-p.reply:
	case <-ctx.Done():
		return fail(ctxError(ctx, action))
	case <-c.done:
		return fail(fmt.Errorf("call %s: %w", action, ErrClosed))
	}
	if f.Type == TypeCallError {
		ce := &CallError{Code: f.ErrorCode, Description: f.ErrorDescription, Details: f.ErrorDetails}
		done(CallOutcome{Error: ce})
		return nil, fmt.Errorf("call %s: %w", action, ce)
	}
	if err := check(f.Payload); err != nil {
		done(CallOutcome{Result: f.Payload, Violation: err.Error()})
		return f.Payload, fmt.Errorf("call %s: %w: %w", action, ErrInvalidConfirmation, err)
	}
	done(CallOutcome{Result: f.Payload})
	return f.Payload, nil
}

// deliver hands an answer to the outstanding call it belongs to; any other
// answer is dropped, and logged when logIt.
func (c *Conn) deliver(f Frame, logIt bool) {
	c.mu.Lock()
	p := c.pending
	if p != nil && p.id == f.ID {
		c.pending = nil
	}
	c.mu.Unlock()
	if p == nil || p.id != f.ID {
		if !logIt {
			return
		}
		c.log.Warn("ocpp answer to no outstanding call dropped", "id", f.ID)
		return
	}
	p.reply <- f
}

func ctxError(ctx context.Context, action string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("call %s: %w: %w", action, ErrTimeout, ctx.Err())
	}
	return fmt.Errorf("call %s: %w", action, ctx.Err())
}

func isStruct(v any) bool {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t != nil && t.Kind() == reflect.Struct
}
