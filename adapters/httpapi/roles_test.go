package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/chargebooth/chargebooth/adapters/httpapi"
)

func TestRoleHierarchy(t *testing.T) {
	tests := []struct {
		role httpapi.Role
		want []httpapi.Role
	}{
		{httpapi.RoleStaff, []httpapi.Role{httpapi.RoleStaff}},
		{httpapi.RoleLead, []httpapi.Role{httpapi.RoleStaff, httpapi.RoleLead}},
		{httpapi.RoleOps, []httpapi.Role{httpapi.RoleStaff, httpapi.RoleOps}},
		{httpapi.RoleAdmin, []httpapi.Role{httpapi.RoleStaff, httpapi.RoleLead, httpapi.RoleOps, httpapi.RoleAdmin}},
		{"guest", nil},
	}
	all := []httpapi.Role{httpapi.RoleStaff, httpapi.RoleLead, httpapi.RoleOps, httpapi.RoleAdmin}
	for _, tt := range tests {
		t.Run(string(tt.role), func(t *testing.T) {
			got := tt.role.Holds()
			if len(got) != len(tt.want) {
				t.Fatalf("holds: got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("holds: got %v, want %v", got, tt.want)
				}
			}
			for _, need := range all {
				in := false
				for _, w := range tt.want {
					in = in || w == need
				}
				p := httpapi.Principal{Role: tt.role}
				if got := p.Can(need); got != in {
					t.Errorf("%s can %s: got %v, want %v", tt.role, need, got, in)
				}
			}
			if !(httpapi.Principal{Role: tt.role}).Can(httpapi.RolePublic) {
				t.Errorf("%s cannot do what needs no role", tt.role)
			}
		})
	}
}

// TestRouteRoleTable requests every registered /api/ route as every role:
// where the role table and the hierarchy allow it, the answer is anything
// but 401 and 403 (the route's own refusals of a made-up id or an empty
// body are fine); where they do not, 403 forbidden naming the role
// needed. Without credentials every route that needs a role is 401. Routes
// added later are covered as they are registered.
func TestRouteRoleTable(t *testing.T) {
	e := newEnv(t)
	type principal struct {
		label string
		role  httpapi.Role
		token string
	}
	var principals []principal
	for _, r := range []httpapi.Role{httpapi.RoleStaff, httpapi.RoleLead, httpapi.RoleOps, httpapi.RoleAdmin} {
		principals = append(principals, principal{string(r), r, e.addStaff("member-"+string(r), string(r), "").Token})
	}
	principals = append(principals, principal{"bootstrap", httpapi.RoleAdmin, testToken})
	routes := e.api.Routes()
	if len(routes) < 30 {
		t.Fatalf("only %d routes registered: is the table read?", len(routes))
	}
	known := map[httpapi.Role]bool{httpapi.RolePublic: true, httpapi.RoleStaff: true, httpapi.RoleLead: true, httpapi.RoleOps: true, httpapi.RoleAdmin: true}
	for _, rt := range routes {
		if !known[rt.Role] {
			t.Errorf("route %s needs role %q, which is no role", rt.Pattern, rt.Role)
		}
		method, path := concrete(rt.Pattern)
		body := ""
		if method == "POST" || method == "PUT" || method == "PATCH" {
			body = "{}"
		}
		t.Run(rt.Pattern+"/none", func(t *testing.T) {
			got := e.do(method, path, body, "Authorization", "-")
			if rt.Role == httpapi.RolePublic {
				if got.code == http.StatusUnauthorized || got.code == http.StatusForbidden {
					t.Errorf("public route without credentials: got %d %s", got.code, got.body)
				}
				return
			}
			if got.code != http.StatusUnauthorized {
				t.Errorf("without credentials: got %d, want 401; body %s", got.code, got.body)
			}
		})
		for _, pr := range principals {
			role := pr.role
			t.Run(rt.Pattern+"/"+pr.label, func(t *testing.T) {
				got := e.as(pr.token, method, path, body)
				allowed := httpapi.Principal{Role: role}.Can(rt.Role)
				switch {
				case allowed && (got.code == http.StatusUnauthorized || got.code == http.StatusForbidden):
					t.Errorf("%s may %s: got %d %s", role, rt.Pattern, got.code, got.body)
				case !allowed && got.code != http.StatusForbidden:
					t.Errorf("%s may not %s: got %d, want 403; body %s", role, rt.Pattern, got.code, got.body)
				case !allowed:
					code, _ := got.apiError(t)
					if code != httpapi.CodeForbidden || got.errorRole(t) != string(rt.Role) {
						t.Errorf("403 body %s: want code forbidden and role %s", got.body, rt.Role)
					}
				}
			})
		}
	}
}

func TestForbiddenSaysWhatIsNeeded(t *testing.T) {
	e := newEnv(t)
	m := e.addStaff("Sam", "staff", "")
	got := e.as(m.Token, "POST", "/api/staff", `{"name":"x","role":"staff"}`)
	if got.code != http.StatusForbidden {
		t.Fatalf("staff adds staff: got %d, want 403", got.code)
	}
	code, msg := got.apiError(t)
	if code != "forbidden" || msg != "this needs the admin role; you are staff" || got.errorRole(t) != "admin" {
		t.Errorf("got %s %q role %q", code, msg, got.errorRole(t))
	}
}

// TestWaiveNeedsLead: handing back with money owed waived is a lead's
// call; a hand-back that owes nothing is anyone's.
func TestWaiveNeedsLead(t *testing.T) {
	e := newEnv(t)
	staff := e.addStaff("Sam", "staff", "")
	lead := e.addStaff("Lee", "lead", "")
	e.reading("c1", 40)
	e.caughtUp()
	s := e.openSession("c1")
	got := e.as(staff.Token, "POST", "/api/sessions/"+s.ID+"/handback", `{"waiveReason":"regular"}`)
	if got.code != http.StatusForbidden || got.errorRole(t) != "lead" {
		t.Fatalf("staff waives: got %d %s, want 403 needing lead", got.code, got.body)
	}
	var out session
	e.must(http.StatusOK, "GET", "/api/sessions/"+s.ID, "").decode(t, &out)
	if out.State != "open" {
		t.Fatalf("after the refused waive the session is %s", out.State)
	}
	got = e.as(lead.Token, "POST", "/api/sessions/"+s.ID+"/handback", `{"waiveReason":"regular"}`)
	if got.code != http.StatusOK {
		t.Fatalf("lead waives: got %d %s", got.code, got.body)
	}
	got.decode(t, &out)
	if !out.Waived || out.State != "closed" {
		t.Errorf("after the lead's waive: waived %v state %s", out.Waived, out.State)
	}
}
