package ocpp

import (
	"context"
	"encoding/json"
)

// HeartbeatReq is the empty Heartbeat.req.
type HeartbeatReq struct{}

// HeartbeatConf answers a Heartbeat with the server's time.
type HeartbeatConf struct {
	CurrentTime string `json:"currentTime" validate:"required,ocppdatetime"`
}

func handleHeartbeat(ctx context.Context, r *Router, chargerID string, payload json.RawMessage) (any, error) {
	var req HeartbeatReq
	if err := DecodePayload(payload, &req); err != nil {
		return nil, err
	}
	if err := r.backend.Heartbeat(ctx, chargerID); err != nil {
		return nil, err
	}
	return HeartbeatConf{CurrentTime: formatDateTime(r.now())}, nil
}
