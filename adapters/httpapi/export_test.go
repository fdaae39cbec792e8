package httpapi

// Exports for the external tests (fuzzers of the parsers).
var (
	DecodePayment      = decodePayment
	ParseClientMessage = parseClientMessage
)
