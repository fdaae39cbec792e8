package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// idTagRequest is the body of PUT /api/id-tags/{tag}.
type idTagRequest struct {
	Status     string     `json:"status"`
	ExpiryDate *time.Time `json:"expiryDate"`
	ParentTag  string     `json:"parentIdTag"`
}

// idTagJSON is one id tag as the API shows it: with its status now
// (effective: Expired once its expiry passed).
type idTagJSON struct {
	domain.IDTag
	Effective string `json:"effectiveStatus"`
}

func (a *API) listIDTags(w http.ResponseWriter, r *http.Request) {
	list, err := a.cfg.Service.IDTagList(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	now := a.now()
	out := []idTagJSON{}
	for _, t := range list.List() {
		out = append(out, idTagJSON{IDTag: t, Effective: t.Effective(now)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"idTags": out, "version": list.Version})
}

func (a *API) getIDTag(w http.ResponseWriter, r *http.Request) {
	tag := r.PathValue("tag")
	if err := domain.ValidateIDTag(tag); err != nil {
		a.fail(w, r, err)
		return
	}
	list, err := a.cfg.Service.IDTagList(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	t, ok := list.ByTag[tag]
	if !ok {
		a.fail(w, r, domain.Errorf(domain.CodeNotFound, "id tag %q is not on the list", tag))
		return
	}
	writeJSON(w, http.StatusOK, idTagJSON{IDTag: t, Effective: t.Effective(a.now())})
}

func (a *API) putIDTag(w http.ResponseWriter, r *http.Request) {
	tag := r.PathValue("tag")
	var req idTagRequest
	if err := decodeRequest(w, r, &req, false); err != nil {
		a.fail(w, r, err)
		return
	}
	t := domain.IDTag{Tag: tag, Status: req.Status, Expiry: req.ExpiryDate, Parent: req.ParentTag}
	if _, err := a.cfg.Service.OnIDTags(r.Context(), func(l *domain.IDTags, x domain.Ctx) ([]domain.Event, error) {
		return l.Set(x, t)
	}); err != nil {
		a.fail(w, r, err)
		return
	}
	if t.Expiry != nil {
		e := t.Expiry.UTC()
		t.Expiry = &e
	}
	writeJSON(w, http.StatusOK, idTagJSON{IDTag: t, Effective: t.Effective(a.now())})
}

func (a *API) deleteIDTag(w http.ResponseWriter, r *http.Request) {
	tag := r.PathValue("tag")
	if err := domain.ValidateIDTag(tag); err != nil {
		a.fail(w, r, err)
		return
	}
	if _, err := a.cfg.Service.OnIDTags(r.Context(), func(l *domain.IDTags, x domain.Ctx) ([]domain.Event, error) {
		return l.Remove(x, tag)
	}); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// localListEntry is one entry of SendLocalList.req's localAuthorizationList.
type localListEntry struct {
	IDTag     string        `json:"idTag"`
	IDTagInfo localListInfo `json:"idTagInfo"`
}

type localListInfo struct {
	Status      string `json:"status"`
	ExpiryDate  string `json:"expiryDate,omitempty"`
	ParentIDTag string `json:"parentIdTag,omitempty"`
}

// pushLocalList serves POST /api/chargers/{id}/local-list: the whole id-tag
// list sent to the charger as its local authorization list
// (SendLocalList, updateType Full, listVersion the list's version), through
// the same path as POST /api/chargers/{id}/ocpp/SendLocalList.
func (a *API) pushLocalList(w http.ResponseWriter, r *http.Request) {
	list, err := a.cfg.Service.IDTagList(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	entries := []localListEntry{}
	for _, t := range list.List() {
		e := localListEntry{IDTag: t.Tag, IDTagInfo: localListInfo{Status: t.Status, ParentIDTag: t.Parent}}
		if t.Expiry != nil {
			e.IDTagInfo.ExpiryDate = t.Expiry.UTC().Format("2006-01-02T15:04:05.000Z")
		}
		entries = append(entries, e)
	}
	// listVersion is an integer the charger compares: the list's stream
	// version, above 0 once the list has an entry (OCPP: 0 means no list).
	version := int64(min(list.Version, 1<<31-1))
	if version == 0 {
		version = 1
	}
	body, err := json.Marshal(map[string]any{"listVersion": version, "localAuthorizationList": entries, "updateType": "Full"})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	r2 := r.Clone(r.Context())
	r2.SetPathValue("action", "SendLocalList")
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	r2.Header.Set("Content-Type", "application/json")
	a.ocppCall(w, r2)
}
