package httpapi

import "net/http"

// Role names what a staff member may do. Every /api/ route needs one (see
// routes): the one table the edge checks.
type Role string

// The roles, from the booth counter to staff management.
const (
	// RoleStaff checks phones in, takes payments, hands phones back and
	// reads everything the booth shows.
	RoleStaff Role = "staff"
	// RoleLead also waives fees, voids and refunds, closes shifts and
	// overrides a claim check.
	RoleLead Role = "lead"
	// RoleOps runs the equipment: pairings, enrolment, remote and
	// configuration commands to chargers, notices, the store.
	RoleOps Role = "ops"
	// RoleAdmin manages staff members.
	RoleAdmin Role = "admin"
)

// Route is one registered route and the role it needs (RolePublic, "",
// for the routes that need no credential: login and logout). A route
// outside /api/ registered with a role (the printed ticket) is
// authenticated too.
type Route struct {
	Pattern string
	Role    Role
}

// handle registers h for pattern, needing role.
func (a *API) handle(pattern string, role Role, h http.HandlerFunc) {
	a.mux.HandleFunc(pattern, h)
	a.table = append(a.table, Route{Pattern: pattern, Role: role})
	if a.roleOf == nil {
		a.roleOf = map[string]Role{}
	}
	a.roleOf[pattern] = role
}

// Routes returns every registered route with the role it needs, in
// registration order (for the contract and the route × role tests).
func (a *API) Routes() []Route { return append([]Route(nil), a.table...) }

// RolePublic is the role of the /api/ routes that need no credential
// (POST /api/login, POST /api/logout).
const RolePublic Role = ""

// holds lists what each role holds, itself included: lead ⊇ staff,
// ops ⊇ staff (but not lead's money powers), admin ⊇ everything.
var holds = map[Role][]Role{
	RoleStaff: {RoleStaff},
	RoleLead:  {RoleStaff, RoleLead},
	RoleOps:   {RoleStaff, RoleOps},
	RoleAdmin: {RoleStaff, RoleLead, RoleOps, RoleAdmin},
}

// Holds returns every role a member of role r holds (the hierarchy
// expanded, r included), from staff up; nil for an unknown role.
func (r Role) Holds() []Role { return append([]Role(nil), holds[r]...) }

// Includes reports whether a member of role r may do what need allows.
// Every role includes RolePublic.
func (r Role) Includes(need Role) bool {
	if need == RolePublic {
		return true
	}
	for _, h := range holds[r] {
		if h == need {
			return true
		}
	}
	return false
}
