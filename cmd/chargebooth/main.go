package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: chargebooth <command> [flags]

commands:
  serve     run the booth server (embedded NATS unless --nats-url)
  charger   a charger mock: interactive, or scripted with --soc 10,50,80,100
  widget    a widget mock: shows the LED in colour
  replay    print a session's or charger's timeline
  report    print the reconciliation for a time range
  rebuild   rebuild the projections from the stream and compare
  staff     add, list or disable staff members (add prints the member's token once)
  passwd    print the bcrypt hash of a charger password (read from stdin) for --charger-auth

"chargebooth <command> -h" lists a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches a subcommand and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = runServe(ctx, args[1:], stdout, stderr)
	case "charger":
		err = runCharger(ctx, args[1:], stdin, stdout, stderr)
	case "widget":
		err = runWidget(ctx, args[1:], stdout, stderr)
	case "replay":
		err = runReplay(ctx, args[1:], stdout, stderr)
	case "report":
		err = runReport(ctx, args[1:], stdout, stderr)
	case "rebuild":
		err = runRebuild(ctx, args[1:], stdout, stderr)
	case "passwd":
		err = runPasswd(ctx, args[1:], stdin, stdout, stderr)
	case "staff":
		err = runStaff(ctx, args[1:], stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "chargebooth: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		var ex *exitError
		if errors.As(err, &ex) {
			if ex.msg != "" {
				fmt.Fprintln(stderr, "chargebooth:", ex.msg)
			}
			return ex.code
		}
		fmt.Fprintln(stderr, "chargebooth:", err)
		return 1
	}
}

// errUsage marks a bad command line (the flag package already said why).
var errUsage = errors.New("usage")

// exitError carries a specific exit code (rebuild exits 1 on differences).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }
