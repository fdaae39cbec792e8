package httpapi

import (
	"net/http"

	"github.com/chargebooth/chargebooth/domain"
)

// storeView is GET /api/store's answer.
type storeView struct {
	MaxStoreBytes int64  `json:"maxStoreBytes"` // -1: no limit
	Full          bool   `json:"full"`
	Reason        string `json:"reason,omitempty"`
}

func (a *API) storeView() storeView {
	v := storeView{MaxStoreBytes: a.cfg.StoreLimit.MaxStore()}
	if err := a.cfg.StoreLimit.Full(); err != nil {
		v.Full, v.Reason = true, err.Error()
	}
	return v
}

func (a *API) getStore(w http.ResponseWriter, r *http.Request) {
	if a.cfg.StoreLimit == nil {
		writeError(w, http.StatusNotImplemented, codeNotImplemented, "the event store's limits are the external NATS server's; see its configuration")
		return
	}
	writeJSON(w, http.StatusOK, a.storeView())
}

// putStore raises (or lowers) the storage limit without a restart: a booth
// whose store is full resumes once the limit leaves room.
func (a *API) putStore(w http.ResponseWriter, r *http.Request) {
	if a.cfg.StoreLimit == nil {
		writeError(w, http.StatusNotImplemented, codeNotImplemented, "the event store's limits are the external NATS server's; see its configuration")
		return
	}
	var req struct {
		MaxStoreBytes *int64 `json:"maxStoreBytes"`
	}
	if err := decodeRequest(w, r, &req, false); err != nil {
		a.fail(w, r, err)
		return
	}
	if req.MaxStoreBytes == nil || *req.MaxStoreBytes < 0 {
		a.fail(w, r, domain.Errorf(domain.CodeInvalidInput, "maxStoreBytes must be a number of bytes, 0 to follow the disk"))
		return
	}
	if err := a.cfg.StoreLimit.SetMaxStore(*req.MaxStoreBytes); err != nil {
		a.fail(w, r, domain.Errorf(domain.CodeInvalidInput, "%v", err))
		return
	}
	writeJSON(w, http.StatusOK, a.storeView())
}
