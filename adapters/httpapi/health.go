package httpapi

import (
	"net/http"

	"github.com/chargebooth/chargebooth/domain"
)

func (a *API) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

func (a *API) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if a.cfg.Ready != nil {
		if err := a.cfg.Ready(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			// The store's state first (store_full, store_unavailable) so a
			// probe or a person sees the cause before the detail.
			if code := domain.ErrorCode(err); code != domain.CodeInternal {
				_, _ = w.Write([]byte("not ready: " + code + ": " + err.Error() + "\n"))
				return
			}
			_, _ = w.Write([]byte("not ready: " + err.Error() + "\n"))
			return
		}
	}
	_, _ = w.Write([]byte("ready\n"))
}
