package main

import (
	"context"
	"fmt"
	"io"

	"github.com/upstand/upstand/app/auth"
	"github.com/upstand/upstand/app/store"
)

const (
	demoOrg        = "Demo organisation"
	demoAdminName  = "Demo Admin"
	demoAdminEmail = "admin@demo.example"
)

// ensureDemo gives a newcomer something to sign in to: on first start it
// creates a demo organisation with a few teams and labels, and whenever its
// admin has no passkey yet it prints a fresh enrolment link for them.
func ensureDemo(ctx context.Context, st *store.Store, identity *auth.Service, stdout io.Writer) error {
	orgs, err := st.Global().Organisations(ctx)
	if err != nil {
		return err
	}
	var link auth.Link
	switch {
	case len(orgs) == 0:
		org, _, l, err := identity.CreateOrganisation(ctx, demoOrg, demoAdminName, demoAdminEmail)
		if err != nil {
			return fmt.Errorf("demo organisation: %w", err)
		}
		a := auth.Actor{OrgID: org.ID, IP: "demo"}
		for _, team := range []string{"Ward 7", "Finance", "People team"} {
			if _, err := identity.CreateGroup(ctx, a, store.Teams, team); err != nil {
				return fmt.Errorf("demo team: %w", err)
			}
		}
		for _, label := range []string{"line manager", "responder", "HR partner"} {
			if _, err := identity.CreateGroup(ctx, a, store.Labels, label); err != nil {
				return fmt.Errorf("demo label: %w", err)
			}
		}
		link = l
	default:
		admin, ok, err := demoAdmin(ctx, st, orgs)
		if err != nil || !ok || admin.Passkeys > 0 {
			return err
		}
		link, err = identity.Reenrol(ctx, auth.Actor{OrgID: admin.OrgID, IP: "demo"}, admin.ID)
		if err != nil {
			return fmt.Errorf("demo admin link: %w", err)
		}
	}
	fmt.Fprintf(stdout, "Demo admin (%s): open this link to set up a passkey and sign in:\n  %s\n", demoAdminEmail, link.URL)
	return nil
}

// demoAdmin finds the demo organisation's admin, if the demo organisation
// is there.
func demoAdmin(ctx context.Context, st *store.Store, orgs []store.Organisation) (store.Person, bool, error) {
	for _, o := range orgs {
		if o.Name != demoOrg {
			continue
		}
		people, err := st.Org(o.ID).People(ctx)
		if err != nil {
			return store.Person{}, false, err
		}
		for _, p := range people {
			if p.Email == demoAdminEmail && p.Active {
				return p, true, nil
			}
		}
	}
	return store.Person{}, false, nil
}
