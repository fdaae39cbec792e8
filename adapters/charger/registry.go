package charger

// Session is a live charger socket in the registry.
type Session interface {
	// Close closes the socket, telling the charger why.
	Close(reason string)
	// Protocol is "json" or "ocpp1.6".
	Protocol() string
}
