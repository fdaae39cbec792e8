// Package docs holds the documents the server serves from the repository:
// the OpenAPI 3.1 contract of the staff API (openapi.json, at
// GET /api/openapi.json). The prose documentation beside it (*.md) is
// read on the repository, not served.
package docs
