// Package testkit holds the test helpers every package shares: polling for
// a condition with the last reason it did not hold, instead of sleeping;
// test certificates; a goroutine-safe buffer; and dialling a WebSocket
// that must be refused. It imports only the standard library and
// gorilla/websocket. Import it from _test files only.
package testkit
