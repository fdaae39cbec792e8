package domain

import "context"

// Actor is the person an event was caused by: a staff member as they were
// when they acted (their name and role then, not now). Device events
// (readings, presence, OCPP messages) have none.
type Actor struct {
	// ID is the staff member's id ("admin" for the bootstrap credential).
	ID string `json:"id"`
	// Name is the member's name at the time.
	Name string `json:"name"`
	// Role is the role the member acted in (staff, lead, ops, admin).
	Role string `json:"role,omitempty"`
}

type actorKey struct{}

// WithActor returns ctx carrying a: every event a Service command decides
// under ctx is stamped with it (see Service).
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor ctx carries, if any.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// stampActor sets ctx's actor on every event that has none.
func stampActor(ctx context.Context, events []Event) {
	a, ok := ActorFrom(ctx)
	if !ok {
		return
	}
	for i := range events {
		if events[i].Actor == nil {
			events[i].Actor = &a
		}
	}
}
