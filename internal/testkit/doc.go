// Package testkit holds the test helpers every package shares: polling for
// a condition with the last reason it did not hold, instead of sleeping.
// Import it from _test files only.
package testkit
