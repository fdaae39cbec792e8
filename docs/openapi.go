package docs

import _ "embed"

// OpenAPI is openapi.json: the OpenAPI 3.1 document of the staff HTTP API,
// every route of httpapi.API.Routes() with its role (x-role), request
// bodies and responses. The httpapi tests keep it true.
//
//go:embed openapi.json
var OpenAPI []byte
