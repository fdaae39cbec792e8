package httpapi

// Exports for the external tests (fuzzers of the parsers, the error
// mapping).
var (
	DecodePayment      = decodePayment
	ParseClientMessage = parseClientMessage
	ErrorResponse      = errorResponse
	DecodeVoid         = decodeVoid
	DecodeRefund       = decodeRefund
	DecodeOpenShift    = decodeOpenShift
	DecodeCloseShift   = decodeCloseShift
	WantsHTML          = wantsHTML
)
