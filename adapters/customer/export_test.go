package customer

// Exports for the external tests.

// Addresses returns how many addresses have a miss remembered.
func (s *Server) Addresses() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.misses)
}

// MaxAddresses is the bound of the miss table.
const MaxAddresses = maxAddresses
