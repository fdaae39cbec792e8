package main

import (
	"fmt"
	"strconv"
	"strings"
)

// byteSize is a flag holding a number of bytes, written plain ("8388608")
// or with a binary unit ("8MiB", "512KiB", "2GiB"; "MB" and friends are
// read as the binary units too, as operators mean them).
type byteSize int64

// String implements flag.Value.
func (b *byteSize) String() string {
	if b == nil || *b == 0 {
		return "0"
	}
	for _, u := range []struct {
		name string
		n    int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n := int64(*b); n%u.n == 0 {
			return strconv.FormatInt(n/u.n, 10) + u.name // as an operator writes it; Set reads it back
		}
	}
	return strconv.FormatInt(int64(*b), 10)
}

// Set implements flag.Value.
func (b *byteSize) Set(s string) error {
	n, err := parseByteSize(s)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

// parseByteSize reads a byteSize's text.
func parseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mul    int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}}
	mul := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mul = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mul
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mul {
		return 0, fmt.Errorf("%q is not a size in bytes (such as 1048576, 512KiB, 8MiB, 2GiB)", s)
	}
	return n * mul, nil
}
