package runtime

// Quiet reports whether a feed following on demand is stopped now.
func (r *Runtime) Quiet() bool { return r.quiet.Load() }
