package ocpp

import (
	"context"
	"encoding/json"
)

// AuthorizeReq asks whether an id tag may charge.
type AuthorizeReq struct {
	IDTag *string `json:"idTag" validate:"required,max=20"`
}

// AuthorizeConf answers an Authorize.
type AuthorizeConf struct {
	IDTagInfo IDTagInfo `json:"idTagInfo" validate:"required"`
}

func handleAuthorize(ctx context.Context, r *Router, chargerID string, payload json.RawMessage) (any, error) {
	var req AuthorizeReq
	if err := DecodePayload(payload, &req); err != nil {
		return nil, err
	}
	auth, err := r.backend.Authorize(ctx, chargerID, *req.IDTag)
	if err != nil {
		return nil, err
	}
	return AuthorizeConf{IDTagInfo: authInfo(auth)}, nil
}

// knownStatus keeps a backend's answer inside the 1.6 enumeration, so a
// strict client never sees an invalid reply.
func knownStatus(s IDTagStatus) IDTagStatus {
	switch s {
	case IDTagAccepted, IDTagBlocked, IDTagExpired, IDTagInvalid, IDTagConcurrentTx:
		return s
	}
	return IDTagInvalid
}
