package domain

import (
	"strconv"
	"strings"
)

// ConnID names one socket for presence events: its number on the
// instance, the epoch of the process that holds it (so numbers restarting
// at 1 after a restart never collide with a previous life's) and the
// instance: "<n>.<epoch>@<instance>", or "<n>@<instance>" without an epoch
// as older versions wrote them.
func ConnID(n uint64, epoch, instance string) string {
	id := strconv.FormatUint(n, 36)
	if epoch != "" {
		id += "." + epoch
	}
	return id + "@" + instance
}

// ConnOwner returns the instance and the epoch (empty for ids of older
// versions) a ConnID names; both are empty for an id of another form.
func ConnOwner(conn string) (instance, epoch string) {
	at := strings.IndexByte(conn, '@') // n and epoch hold none
	if at < 0 || at == len(conn)-1 {
		return "", ""
	}
	instance = conn[at+1:]
	if dot := strings.IndexByte(conn[:at], '.'); dot >= 0 {
		epoch = conn[dot+1 : at]
	}
	return instance, epoch
}
