package domain

// The staff events' invariants (see ValidateEvent): a read-back event that
// breaks them is quarantined, so a forged member or session is never
// folded.

// checkHash checks a stored hash: present when required, short, one line.
func checkHash(field, s string, required bool) error {
	return checkName(field, s, required)
}

// Validate implements Validator: an id, a valid name and role, a token hash.
func (p StaffAdded) Validate() error {
	return firstErr(checkName("id", p.StaffID, true), ValidateStaffName(p.Name), ValidateStaffRole(p.Role),
		checkHash("tokenHash", p.TokenHash, true), checkHash("pinHash", p.PINHash, false))
}

// Validate implements Validator: an id; a name and a role when changed.
func (p StaffChanged) Validate() error {
	var name, role error
	if p.Name != "" {
		name = ValidateStaffName(p.Name)
	}
	if p.Role != "" {
		role = ValidateStaffRole(p.Role)
	}
	return firstErr(checkName("id", p.StaffID, true), name, role,
		checkHash("pinHash", p.PINHash, false), checkHash("tokenHash", p.TokenHash, false))
}

// Validate implements Validator: an id.
func (p StaffDisabled) Validate() error { return checkName("id", p.StaffID, true) }

// Validate implements Validator: an id.
func (p StaffEnabled) Validate() error { return checkName("id", p.StaffID, true) }

// Validate implements Validator: a session hash, a member and an expiry.
func (p StaffSignedIn) Validate() error {
	if p.Expires.IsZero() {
		return Errorf(CodeInvalidInput, "a session without an expiry")
	}
	return firstErr(checkHash("sessionHash", p.SessionHash, true), checkName("staffId", p.StaffID, true),
		checkName("method", p.Method, false), checkHash("credential", p.Credential, false))
}

// Validate implements Validator: a session hash and a member.
func (p StaffSignedOut) Validate() error {
	return firstErr(checkHash("sessionHash", p.SessionHash, true), checkName("staffId", p.StaffID, true))
}
