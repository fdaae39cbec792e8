package httpapi

import (
	"context"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// Principal is who a request acts as: the actor stamped on what it
// stores and the role it holds.
type Principal struct {
	Actor domain.Actor
	Role  Role

	session string        // hash of the session cookie it came with ("" for a token)
	token   string        // hash of the member's token it came with ("" for a cookie or the bootstrap token)
	left    time.Duration // how long that session had left then
}

// Can reports whether the principal may do what need allows (see
// Role.Includes).
func (p Principal) Can(need Role) bool { return p.Role.Includes(need) }

// ByCookie reports whether the principal was established by the session
// cookie (and so needs the same-origin check on state changes).
func (p Principal) ByCookie() bool { return p.session != "" }

type principalKey struct{}

// withPrincipal returns ctx carrying p and p's actor.
func withPrincipal(ctx context.Context, p Principal) context.Context {
	return domain.WithActor(context.WithValue(ctx, principalKey{}, p), p.Actor)
}

// principalFrom returns the principal a request's context carries.
func principalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// bootstrapAdmin is the principal of the bootstrap token (--staff-token).
var bootstrapAdmin = Principal{Actor: domain.Actor{ID: domain.BootstrapAdminID, Name: "admin", Role: string(RoleAdmin)}, Role: RoleAdmin}
