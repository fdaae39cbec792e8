//go:build linux || darwin

package eventstore

import "syscall"

// diskFree returns the bytes of the filesystem holding dir that an
// unprivileged writer may still use, as nats-server reads it.
func diskFree(dir string) (int64, bool) {
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		return 0, false
	}
	return int64(uint64(fs.Bavail) * uint64(fs.Bsize)), true
}
