package main

import (
	"fmt"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	rpprof "runtime/pprof"
)

// startCPUProfile writes a CPU profile to path until the returned func runs.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := rpprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() { rpprof.StopCPUProfile(); f.Close() }, nil
}

// withPprof serves net/http/pprof beside h.
func withPprof(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/gc", collectGarbage)
	mux.Handle("/", h)
	return mux
}

// collectGarbage runs a garbage collection and returns the freed memory
// to the OS (POST /debug/gc, with --pprof): the benchmark's idle profile
// measures what sockets keep once their handshakes' garbage is gone.
func collectGarbage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST /debug/gc collects the garbage; nothing else is served here", http.StatusMethodNotAllowed)
		return
	}
	debug.FreeOSMemory()
	w.WriteHeader(http.StatusNoContent)
}
