package ocpp

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"reflect"
)

// Call sends a server-initiated CALL (e.g. ActionRemoteStartTransaction
// with a RemoteStartTransactionReq) and decodes the charger's CALLRESULT
// into resp (e.g. *RemoteStartTransactionConf; nil to ignore it).
//
// At most one server-initiated call is outstanding per charger: a second
// Call waits until the first has its answer, fails or times out — or until
// its own ctx ends. It returns:
//   - a *CallError (errors.As) when the charger answers with a CALLERROR,
//     or when its confirmation breaks the 1.6 schema (the violation code);
//   - an error wrapping ErrTimeout and context.DeadlineExceeded when ctx's
//     deadline passes first (also while waiting for the slot); a canceled
//     ctx gives context.Canceled;
//   - ErrClosed when the connection ends first;
//   - a *CallError when req itself breaks the schema (nothing is sent).
func (c *Conn) Call(ctx context.Context, action string, req, resp any) error {
	if isStruct(req) {
		if err := ValidatePayload(req); err != nil {
			return fmt.Errorf("call %s: invalid request: %w", action, err)
		}
	}
	select {
	case c.slot <- struct{}{}:
	case <-ctx.Done():
		return ctxError(ctx, action)
	case <-c.done:
		return fmt.Errorf("call %s: %w", action, ErrClosed)
	}
	defer func() { <-c.slot }()

	id := rand.Text()
	frame, err := EncodeCall(id, action, req)
	if err != nil {
		return err
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

	select {
	case c.send <- frame:
	case <-ctx.Done():
		return ctxError(ctx, action)
	case <-c.done:
		return fmt.Errorf("call %s: %w", action, ErrClosed)
	}
	select {
	case f := <-p.reply:
		return c.answer(action, f, resp)
	case <-ctx.Done():
		return ctxError(ctx, action)
	case <-c.done:
		return fmt.Errorf("call %s: %w", action, ErrClosed)
	}
}

// answer turns the charger's answer into Call's result.
func (c *Conn) answer(action string, f Frame, resp any) error {
	if f.Type == TypeCallError {
		return fmt.Errorf("call %s: %w", action, &CallError{Code: f.ErrorCode, Description: f.ErrorDescription, Details: f.ErrorDetails})
	}
	if resp == nil {
		return nil
	}
	if err := DecodePayload(f.Payload, resp); err != nil {
		return fmt.Errorf("call %s: invalid confirmation: %w", action, err)
	}
	return nil
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
