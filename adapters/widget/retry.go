package widget

import "context"

// running returns a context that has ended once Close has begun: presence
// writes are retried while the server runs, and get one bounded attempt
// once it is closing (see domain.Retry).
func (s *Server) running() context.Context { return s.edge.Context() }
