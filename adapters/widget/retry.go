package widget

import "context"

// running returns a context that has ended once Close has begun: presence
// writes are retried while the server runs, and get one bounded attempt
// once it is closing (see domain.Retry).
func (s *Server) running() context.Context {
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	if !closing {
		return context.Background()
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
