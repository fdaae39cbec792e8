package ocpp

import "context"

// Actions the Central System sends with Conn.Call.
const (
	ActionRemoteStartTransaction = "RemoteStartTransaction"
	ActionRemoteStopTransaction  = "RemoteStopTransaction"
)

// RemoteStartTransactionReq asks a charger to start a transaction for an
// id tag, on a connector (nil lets the charger choose). Charging profiles
// are not supported.
type RemoteStartTransactionReq struct {
	ConnectorID *int   `json:"connectorId,omitempty" validate:"omitempty,min=1"`
	IDTag       string `json:"idTag" validate:"required,max=20"`
}

// RemoteStartTransactionConf is the charger's answer.
type RemoteStartTransactionConf struct {
	Status RemoteStatus `json:"status" validate:"required,oneof=Accepted Rejected"`
}

// RemoteStopTransactionReq asks a charger to stop a transaction.
type RemoteStopTransactionReq struct {
	TransactionID *int `json:"transactionId" validate:"required"`
}

// RemoteStopTransactionConf is the charger's answer.
type RemoteStopTransactionConf struct {
	Status RemoteStatus `json:"status" validate:"required,oneof=Accepted Rejected"`
}

// RemoteStatus is a charger's answer to a remote start or stop.
type RemoteStatus string

// The remote start/stop statuses of OCPP 1.6.
const (
	RemoteAccepted RemoteStatus = "Accepted"
	RemoteRejected RemoteStatus = "Rejected"
)

// RemoteStart sends RemoteStartTransaction for idTag on connectorID (0
// lets the charger choose) and returns the charger's answer. Errors are
// those of Call.
func (c *Conn) RemoteStart(ctx context.Context, idTag string, connectorID int) (RemoteStatus, error) {
	req := RemoteStartTransactionReq{IDTag: idTag}
	if connectorID != 0 {
		req.ConnectorID = &connectorID
	}
	var conf RemoteStartTransactionConf
	if err := c.Call(ctx, ActionRemoteStartTransaction, req, &conf); err != nil {
		return "", err
	}
	return conf.Status, nil
}

// RemoteStop sends RemoteStopTransaction for transactionID and returns the
// charger's answer. Errors are those of Call.
func (c *Conn) RemoteStop(ctx context.Context, transactionID int) (RemoteStatus, error) {
	var conf RemoteStopTransactionConf
	if err := c.Call(ctx, ActionRemoteStopTransaction, RemoteStopTransactionReq{TransactionID: &transactionID}, &conf); err != nil {
		return "", err
	}
	return conf.Status, nil
}
