package relay_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/charger"
	"github.com/chargebooth/chargebooth/adapters/ocpp"
	"github.com/chargebooth/chargebooth/adapters/relay"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/eventstore/estest"
	"github.com/chargebooth/chargebooth/internal/testkit"
)

// sockets stands in for one instance's charger sockets: it answers for
// the chargers it holds and says ErrNotConnected for the rest.
type sockets struct {
	name string
	held map[string]bool

	release chan struct{} // ends slow answers

	mu   sync.Mutex // guards fail and slow
	fail error
	slow bool
}

func (s *sockets) set(fail error, slow bool) {
	s.mu.Lock()
	s.fail, s.slow = fail, slow
	s.mu.Unlock()
}

func (s *sockets) RemoteStart(ctx context.Context, id, idTag string, conn int) (json.RawMessage, error) {
	return s.answer(ctx, id, fmt.Sprintf(`{"status":"Accepted","by":%q,"idTag":%q,"connector":%d}`, s.name, idTag, conn))
}

func (s *sockets) RemoteStop(ctx context.Context, id string, tx int) (json.RawMessage, error) {
	return s.answer(ctx, id, fmt.Sprintf(`{"status":"Accepted","by":%q,"tx":%d}`, s.name, tx))
}

// Call answers with what it was given, who asked and how long it may take;
// the actions "CallError", "BadConfirmation", "BadRequest" and "Unknown"
// fail as the charger edge would.
func (s *sockets) Call(ctx context.Context, id, action string, payload json.RawMessage) (json.RawMessage, error) {
	if s.held[id] {
		switch action {
		case "CallError":
			return nil, fmt.Errorf("call: %w", &ocpp.CallError{Code: ocpp.CodeNotSupported, Description: "not here"})
		case "BadConfirmation":
			return json.RawMessage(`{"status":"Maybe"}`), fmt.Errorf("call: %w: %w", ocpp.ErrInvalidConfirmation,
				&ocpp.CallError{Code: ocpp.CodePropertyConstraintViolation, Description: "status: bad"})
		case "BadRequest":
			return nil, fmt.Errorf("call: %w: %w", ocpp.ErrInvalidRequest, &ocpp.CallError{Code: ocpp.CodeOccurenceConstraintViolation, Description: "type: required"})
		case "Unknown":
			return nil, fmt.Errorf("call: %w", ocpp.ErrUnknownAction)
		}
	}
	actor, _ := domain.ActorFrom(ctx)
	dl, ok := ctx.Deadline()
	left := 0
	if ok {
		left = int(time.Until(dl).Round(time.Second).Seconds())
	}
	return s.answer(ctx, id, fmt.Sprintf(`{"by":%q,"action":%q,"payload":%s,"actor":%q,"left":%d}`, s.name, action, payload, actor.ID, left))
}

func (s *sockets) answer(ctx context.Context, id, body string) (json.RawMessage, error) {
	if !s.held[id] {
		return nil, charger.ErrNotConnected
	}
	s.mu.Lock()
	fail, slow := s.fail, s.slow
	s.mu.Unlock()
	if slow {
		select { // the holder's own deadline, or the test's end
		case <-ctx.Done():
		case <-s.release:
		}
		return nil, context.DeadlineExceeded
	}
	if fail != nil {
		return nil, fail
	}
	return json.RawMessage(body), nil
}

func TestRelay(t *testing.T) {
	srv := estest.Server(t, t.TempDir(), "127.0.0.1:-1")
	bus := func() *eventstore.Commands { return eventstore.NewCommands(estest.Connect(t, srv.ClientURL()), "") }
	a := &sockets{name: "a", held: map[string]bool{"c1": true}}
	b := &sockets{name: "b", held: map[string]bool{"c2": true, "c3": true, "c4": true}, release: make(chan struct{})}
	defer close(b.release)
	ra := relay.New(a, bus(), eventstore.ErrNoHolder)
	rb := relay.New(b, bus(), eventstore.ErrNoHolder)
	for _, id := range []string{"c2", "c3", "c4"} {
		rb.Held(id, true)
	}
	// A subscription reaches the server a moment after Held returns.
	testkit.CheckFor(t, 5*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, err := ra.RemoteStop(ctx, "c4", 1)
		return err
	})
	tests := []struct {
		name    string
		call    func(ctx context.Context) (json.RawMessage, error)
		want    string
		wantErr error
		code    string
	}{
		{"held here", func(ctx context.Context) (json.RawMessage, error) { return ra.RemoteStart(ctx, "c1", "T1", 1) },
			`{"status":"Accepted","by":"a","idTag":"T1","connector":1}`, nil, ""},
		{"held by the other instance", func(ctx context.Context) (json.RawMessage, error) { return ra.RemoteStop(ctx, "c2", 7) },
			`{"status":"Accepted","by":"b","tx":7}`, nil, ""},
		{"start forwarded", func(ctx context.Context) (json.RawMessage, error) { return ra.RemoteStart(ctx, "c3", "T9", 2) },
			`{"status":"Accepted","by":"b","idTag":"T9","connector":2}`, nil, ""},
		{"held nowhere", func(ctx context.Context) (json.RawMessage, error) { return ra.RemoteStart(ctx, "c9", "T1", 1) },
			"", charger.ErrNotConnected, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			got, err := tt.call(ctx)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("got %s, %v; want %v", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("got %s, %v; want %s", got, err, tt.want)
			}
		})
	}

	t.Run("holder's refusal comes back with its code", func(t *testing.T) {
		b.set(domain.Errorf("rejected", "the charger said no"), false)
		defer b.set(nil, false)
		_, err := ra.RemoteStart(context.Background(), "c4", "T1", 1)
		if got, want := domain.ErrorCode(err), "rejected"; got != want {
			t.Fatalf("code: got %q (%v), want %q", got, err, want)
		}
		if got, want := domain.ErrorMessage(err), "the charger said no"; got != want {
			t.Errorf("message: got %q, want %q", got, want)
		}
	})

	t.Run("holder times out", func(t *testing.T) {
		b.set(nil, true)
		defer b.set(nil, false)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		if _, err := ra.RemoteStop(ctx, "c4", 1); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want a deadline", err)
		}
	})

	t.Run("released socket is no longer served", func(t *testing.T) {
		rb.Held("c3", false)
		testkit.CheckFor(t, 5*time.Second, func() error {
			// A request that crossed the unsubscription goes unanswered.
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			_, err := ra.RemoteStart(ctx, "c3", "T1", 1)
			if !errors.Is(err, charger.ErrNotConnected) {
				return fmt.Errorf("got %v, want ErrNotConnected", err)
			}
			return nil
		})
	})

	t.Run("any OCPP call is forwarded with its actor and deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(domain.WithActor(context.Background(), domain.Actor{ID: "ops1", Name: "Ops"}), 5*time.Second)
		defer cancel()
		got, err := ra.Call(ctx, "c4", "Reset", json.RawMessage(`{"type":"Soft"}`))
		if want := `{"by":"b","action":"Reset","payload":{"type":"Soft"},"actor":"ops1","left":5}`; err != nil || string(got) != want {
			t.Fatalf("got %s, %v; want %s", got, err, want)
		}
	})

	t.Run("OCPP refusals come back as they were", func(t *testing.T) {
		ctx := context.Background()
		var ce *ocpp.CallError
		if _, err := ra.Call(ctx, "c4", "CallError", nil); !errors.As(err, &ce) || ce.Code != ocpp.CodeNotSupported ||
			ce.Description != "not here" || errors.Is(err, ocpp.ErrInvalidConfirmation) || errors.Is(err, ocpp.ErrInvalidRequest) {
			t.Errorf("CALLERROR: got %v, want the charger's CallError NotSupported", err)
		}
		got, err := ra.Call(ctx, "c4", "BadConfirmation", nil)
		if !errors.Is(err, ocpp.ErrInvalidConfirmation) || !errors.As(err, &ce) || ce.Code != ocpp.CodePropertyConstraintViolation ||
			string(got) != `{"status":"Maybe"}` {
			t.Errorf("bad confirmation: got %s, %v; want ErrInvalidConfirmation with the payload", got, err)
		}
		if _, err := ra.Call(ctx, "c4", "BadRequest", nil); !errors.Is(err, ocpp.ErrInvalidRequest) || !errors.As(err, &ce) {
			t.Errorf("bad request: got %v, want ErrInvalidRequest", err)
		}
		if _, err := ra.Call(ctx, "c4", "Unknown", nil); !errors.Is(err, ocpp.ErrUnknownAction) {
			t.Errorf("unknown action: got %v, want ErrUnknownAction", err)
		}
	})

	t.Run("single instance never forwards", func(t *testing.T) {
		r := relay.New(a, nil, nil)
		if _, err := r.RemoteStart(context.Background(), "c2", "T1", 1); !errors.Is(err, charger.ErrNotConnected) {
			t.Fatalf("got %v, want ErrNotConnected", err)
		}
		r.Held("c1", true) // no bus: nothing to serve on
	})
}
