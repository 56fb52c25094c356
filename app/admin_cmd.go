package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/config"
	"github.com/upstand/upstand/app/db"
	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

const adminUsage = `usage:
  upstand admin create-org --name NAME --admin-name NAME --admin-email EMAIL
      create an organisation and print its first admin's enrolment link
  upstand admin invite --org ORG-ID --name NAME --email EMAIL [--trainer] [--org-admin]
      invite someone to an organisation and print their enrolment link
  upstand admin api-key --org ORG-ID --name NAME
      make an API key for the organisation's xAPI statements and print it once as ID:SECRET
  upstand admin orgs
      list organisations with their ids
`

// runAdmin is the operator's tool for bootstrapping organisations. It works
// on the database directly (migrating it first if needed), so it needs no
// running server.
func runAdmin(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, adminUsage)
		return 2
	}
	sub := args[0]
	fs := flag.NewFlagSet("upstand admin "+sub, flag.ContinueOnError)
	orgName := fs.String("name", "", "name of the organisation (create-org), person (invite) or key (api-key)")
	adminName := fs.String("admin-name", "", "first admin's name")
	adminEmail := fs.String("admin-email", "", "first admin's email")
	orgID := fs.String("org", "", "organisation id (see 'upstand admin orgs')")
	email := fs.String("email", "", "email of the person to invite")
	trainer := fs.Bool("trainer", false, "give the person the trainer role")
	orgAdmin := fs.Bool("org-admin", false, "give the person the org_admin role")
	cfg, _, ok := parseConfig("admin "+sub, fs, args[1:], env, stderr)
	if !ok {
		return 2
	}
	log := newLogger(cfg, stderr)
	d, err := openDatabase(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, "upstand admin:", err)
		return 1
	}
	defer d.Close()
	// Read-only commands never change the database: on a stale schema they
	// say how to migrate instead.
	m, err := migrator(d)
	if err == nil && sub == "orgs" {
		if err = m.Check(ctx); errors.Is(err, db.ErrStale) {
			err = fmt.Errorf("%w; run 'upstand migrate up' first", err)
		}
	} else if err == nil {
		_, err = m.Up(ctx)
	}
	var st *store.Store
	if err == nil {
		st, err = d.Store(ctx)
	}
	if err != nil {
		fmt.Fprintln(stderr, "upstand admin:", err)
		return 1
	}
	admin := org.New(st, org.Config{BaseURL: cfg.BaseURL}, time.Now)
	if err != nil {
		fmt.Fprintln(stderr, "upstand admin:", err)
		return 1
	}
	switch sub {
	case "create-org":
		org, admin, link, err := admin.CreateOrganisation(ctx, *orgName, *adminName, *adminEmail)
		if err != nil {
			return adminFail(stderr, err)
		}
		fmt.Fprintf(stdout, "Created organisation %q (id %s).\n", org.Name, org.ID)
		fmt.Fprintf(stdout, "Enrolment link for %s <%s>, valid for 7 days and usable once:\n%s\n", admin.Name, admin.Email, link.URL)
	case "invite":
		id, err := uuid.Parse(*orgID)
		if err != nil {
			fmt.Fprintln(stderr, "upstand admin invite: --org must be an organisation id (see 'upstand admin orgs')")
			return 2
		}
		if _, err := st.Org(id).Organisation(ctx); err != nil {
			return adminFail(stderr, err)
		}
		p, link, err := admin.Invite(ctx, org.Operator(st, id, "operator"),
			store.PersonDetails{Name: *orgName, Email: *email, IsTrainer: *trainer, IsOrgAdmin: *orgAdmin})
		if err != nil {
			return adminFail(stderr, err)
		}
		fmt.Fprintf(stdout, "Enrolment link for %s <%s>, valid for 7 days and usable once:\n%s\n", p.Name, p.Email, link.URL)
	case "api-key":
		id, err := uuid.Parse(*orgID)
		if err != nil {
			fmt.Fprintln(stderr, "upstand admin api-key: --org must be an organisation id (see 'upstand admin orgs')")
			return 2
		}
		if _, err := st.Org(id).Organisation(ctx); err != nil {
			return adminFail(stderr, err)
		}
		k, err := admin.CreateAPIKey(ctx, org.Operator(st, id, "operator"), *orgName)
		if err != nil {
			return adminFail(stderr, err)
		}
		// The key alone on stdout, so a script can take it; what it is, on
		// stderr.
		fmt.Fprintf(stderr, "API key %q for the xAPI statements endpoint (GET /xapi/statements). It is shown only now: keep it safe.\n", k.Name)
		fmt.Fprintln(stdout, k.Credentials())
	case "orgs":
		orgs, err := st.Global().Organisations(ctx)
		if err != nil {
			return adminFail(stderr, err)
		}
		for _, o := range orgs {
			fmt.Fprintf(stdout, "%s  %s\n", o.ID, o.Name)
		}
	default:
		fmt.Fprintf(stderr, "upstand admin: unknown subcommand %q\n%s", sub, adminUsage)
		return 2
	}
	return 0
}

func adminFail(stderr io.Writer, err error) int {
	f, _ := fault.As(err)
	switch {
	case f != nil && f.Kind == fault.Invalid:
		fmt.Fprintln(stderr, "upstand admin:", f.Msg)
	case errors.Is(err, store.ErrNotFound):
		fmt.Fprintln(stderr, "upstand admin: no such organisation")
	default:
		fmt.Fprintln(stderr, "upstand admin:", err)
	}
	return 1
}
