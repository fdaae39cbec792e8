package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run is the whole command; it returns the exit code.
func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("chart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("csv", "", "the scaling CSV (loadgen compare --csv)")
	out := fs.String("out", "scaling.png", "the PNG to write")
	title := fs.String("title", "", "a line under the panel titles, e.g. the commit and the machine")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *in == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: chart --csv FILE [--out FILE.png] [--title TEXT]")
		return 2
	}
	if err := chartFile(*in, *out, *title); err != nil {
		fmt.Fprintln(stderr, "chart:", err)
		return 1
	}
	return 0
}

// chartFile reads the CSV at in and writes the chart to out.
func chartFile(in, out, title string) (err error) {
	f, err := os.Open(in)
	if err != nil {
		return fmt.Errorf("open csv: %w", err)
	}
	defer f.Close()
	s, err := readSeries(f)
	if err != nil {
		return err
	}
	w, err := os.Create(out)
	if err != nil {
		return fmt.Errorf("create png: %w", err)
	}
	defer func() { err = errors.Join(err, w.Close()) }()
	return render(w, s, title)
}
