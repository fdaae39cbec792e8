//go:build !linux && !darwin

package eventstore

// diskFree cannot tell the free space here: the embedded server keeps
// nats-server's own default limit and does not follow the disk.
func diskFree(string) (int64, bool) { return 0, false }
