package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/oklog/ulid/v2"
)

// cliActor is who the staff command's events are stamped with.
var cliActor = domain.Actor{ID: domain.BootstrapAdminID, Name: "admin (cli)", Role: domain.StaffRoleAdmin}

const staffUsage = `usage: chargebooth staff add --name NAME --role staff|lead|ops|admin [--pin-stdin]
       chargebooth staff list [--json]
       chargebooth staff disable --id ID | --name NAME
(each also takes --data-dir, --nats-url and the NATS credential flags)`

// runStaff manages staff members through the store, as the admin
// ("admin (cli)"), against a running server or a stopped one's data.
func runStaff(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, staffUsage)
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("chargebooth staff "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var natsURL, dataDir, name, role, id string
	var pinStdin, asJSON bool
	fs.StringVar(&natsURL, "nats-url", "", "NATS of a running server (default: found through the data dir)")
	fs.StringVar(&dataDir, "data-dir", "./data", "data directory")
	var auth natsAuth
	auth.flags(fs)
	switch sub {
	case "add":
		fs.StringVar(&name, "name", "", "the member's name (unique, ignoring case)")
		fs.StringVar(&role, "role", domain.StaffRoleStaff, "staff, lead, ops or admin")
		fs.BoolVar(&pinStdin, "pin-stdin", false, "read a 4–8 digit dashboard PIN from standard input")
	case "list":
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	case "disable":
		fs.StringVar(&id, "id", "", "the member's id")
		fs.StringVar(&name, "name", "", "the member's name")
	default:
		fmt.Fprintf(stderr, "chargebooth staff: unknown subcommand %q\n%s\n", sub, staffUsage)
		return errUsage
	}
	if err := parseWithEnv(fs, args); err != nil {
		return err
	}
	pin := ""
	if pinStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("staff add: give the PIN on standard input")
		}
		pin = strings.TrimRight(line, "\r\n")
	}
	o, err := openOps(ctx, natsURL, dataDir, &auth, stderr)
	if err != nil {
		return err
	}
	defer o.Close()
	svc := domain.NewService(o.Store, time.Now, func() string { return ulid.Make().String() }, domain.DefaultTariff)
	svc.SetShared(true) // a running server appends too
	ctx = domain.WithActor(ctx, cliActor)
	switch sub {
	case "add":
		m, _, err := httpapi.AddStaff(ctx, svc, name, role, pin)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added %s (%s) as %s\ntoken %s\n(the token is shown this once: give it to %s now)\n", m.Name, m.ID, m.Role, m.Token, m.Name)
		return nil
	case "list":
		members, err := svc.StaffList(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			out := []httpapi.StaffMemberJSON{}
			for _, m := range members {
				out = append(out, httpapi.StaffMemberJSON{ID: m.ID, Name: m.Name, Role: m.Role, Enabled: m.Enabled, HasPIN: m.PINHash != "", AddedAt: m.AddedAt})
			}
			return json.NewEncoder(stdout).Encode(out)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tENABLED\tPIN\tADDED")
		for _, m := range members {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%v\t%s\n", m.ID, m.Name, m.Role, m.Enabled, m.PINHash != "", m.AddedAt.UTC().Format(time.RFC3339))
		}
		return tw.Flush()
	default: // disable
		if (id == "") == (name == "") {
			fmt.Fprintln(stderr, "staff disable needs exactly one of --id or --name")
			return errUsage
		}
		if name != "" {
			members, err := svc.StaffList(ctx)
			if err != nil {
				return err
			}
			for _, m := range members {
				if strings.EqualFold(m.Name, name) {
					id = m.ID
				}
			}
			if id == "" {
				return &exitError{code: 1, msg: "no staff member called " + name}
			}
		}
		evs, err := httpapi.DisableStaff(ctx, svc, id)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			fmt.Fprintf(stdout, "staff member %s was already disabled\n", id)
			return nil
		}
		fmt.Fprintf(stdout, "disabled staff member %s: their token and sessions stop working now\n", id)
		return nil
	}
}
