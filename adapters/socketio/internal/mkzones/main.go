// Command mkzones writes zones.txt, the IANA time zone names of the
// reminder protocol's getAllTimeZones: every entry of Go's own zone
// database ($GOROOT/lib/time/zoneinfo.zip, the one time/tzdata embeds),
// sorted, one a line. Run it through go generate when Go's tzdata changes.
package main

import (
	"archive/zip"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "mkzones:", err)
		os.Exit(1)
	}
}

func run() error {
	z, err := zip.OpenReader(filepath.Join(runtime.GOROOT(), "lib", "time", "zoneinfo.zip"))
	if err != nil {
		return fmt.Errorf("open go's zone database: %w", err)
	}
	defer z.Close()
	var names []string
	for _, f := range z.File {
		if !strings.HasSuffix(f.Name, "/") {
			names = append(names, f.Name)
		}
	}
	sort.Strings(names)
	return os.WriteFile("zones.txt", []byte(strings.Join(names, "\n")+"\n"), 0o644)
}
