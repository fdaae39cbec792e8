package main

import "context"

// startHooks run once serve is up, with the context of its background
// work. The normal build has none; the test build tagged futureevents adds
// one that writes an event type this build does not know, to show that
// instances of two versions serve side by side (upgrade_test.go).
var startHooks []func(ctx context.Context, m *Main)
