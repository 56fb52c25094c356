package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/auth"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/seed"
	"github.com/upstand/upstand/app/store"
)

// The demo organisation's size: enough people and history for a living
// dashboard, few enough to make in a second or two on first start.
const (
	demoLearners = 300
	demoTeams    = 12
)

const (
	demoOrg        = "Demo organisation"
	demoAdminName  = "Demo Admin"
	demoAdminEmail = "admin@demo.example"
)

// demoPeople are the demo organisation's people, in the order their demo
// links are printed. They are found again by email on every start.
var demoPeople = []struct {
	role        string
	name, email string
	trainer     bool
	admin       bool
	// team and label, when given, are the learner's: the courses
	// required of them come first in their catalogue.
	team, label string
}{
	{role: "learner", name: "Demo Learner", email: "learner@demo.example", team: "Ward 7", label: "line manager"},
	{role: "trainer", name: "Demo Trainer", email: "trainer@demo.example", trainer: true},
	{role: "org admin", name: demoAdminName, email: demoAdminEmail, admin: true},
}

// ensureDemo gives a newcomer something to sign in to. On first start it
// creates a demo organisation with a few teams and labels; on every start
// it adds the demo learner and trainer if they are missing, prints the
// demo admin's enrolment link while that admin has no passkey, and prints
// a fresh one-time sign-in link for each demo person that needs no
// passkey. Config only allows --demo on a loopback base URL, so those
// links work on this machine alone.
//
// The admin's enrolment link is kept until it is used or expires: a
// restart does not withdraw it (its token is stored hashed, so it cannot
// be printed again; the admin's demo link gets in without it).
func ensureDemo(ctx context.Context, st *store.Store, identity *auth.Service, admins *org.Service, demoData *seed.Services, stdout io.Writer) error {
	orgs, err := st.Global().Organisations(ctx)
	if err != nil {
		return err
	}
	demo, found := store.Organisation{}, false
	for _, o := range orgs {
		if o.Name == demoOrg {
			demo, found = o, true
			break
		}
	}
	var firstLink string
	switch {
	case !found && len(orgs) > 0:
		fmt.Fprintf(stdout, "Demo mode: this database already holds organisations and none is called %q, so there are no demo links.\n", demoOrg)
		return nil
	case !found:
		o, _, l, err := admins.CreateOrganisation(ctx, demoOrg, demoAdminName, demoAdminEmail)
		if err != nil {
			return fmt.Errorf("demo organisation: %w", err)
		}
		demo, firstLink = o, l.URL
		a := org.Operator(st, demo.ID, "demo")
		for _, team := range []string{"Ward 7", "Finance", "People team"} {
			if _, err := admins.CreateGroup(ctx, a, store.Teams, team); err != nil {
				return fmt.Errorf("demo team: %w", err)
			}
		}
		for _, label := range []string{"line manager", "responder", "HR partner"} {
			if _, err := admins.CreateGroup(ctx, a, store.Labels, label); err != nil {
				return fmt.Errorf("demo label: %w", err)
			}
		}
		// A living dashboard: a few hundred people with requirements and
		// a year of history (docs/coverage.md, "Demo data").
		if demoData != nil {
			res, err := seed.Run(ctx, *demoData, demoOrg, seed.Options{Learners: demoLearners, Teams: demoTeams, Seed: 1})
			if err != nil {
				return fmt.Errorf("demo data: %w", err)
			}
			fmt.Fprintf(stdout, "Demo organisation: %d people in %d teams, with requirements and a year of history (made in %.1f s).\n",
				demoLearners, demoTeams, res.Took.Seconds())
		}
	}
	a := org.Operator(st, demo.ID, "demo")
	people, err := st.Org(demo.ID).People(ctx)
	if err != nil {
		return err
	}

	type demoLink struct{ who, url string }
	var links []demoLink
	teams, err := st.Org(demo.ID).GroupNames(ctx, store.Teams)
	if err != nil {
		return err
	}
	labels, err := st.Org(demo.ID).GroupNames(ctx, store.Labels)
	if err != nil {
		return err
	}
	for _, d := range demoPeople {
		p, ok := personByEmail(people, d.email)
		if !ok {
			details := store.PersonDetails{Name: d.name, Email: d.email, IsTrainer: d.trainer, IsOrgAdmin: d.admin}
			p, err = admins.AddPerson(ctx, a, details)
			if err == nil && d.team != "" {
				details.Teams, details.Labels = groupIDs(teams, d.team), groupIDs(labels, d.label)
				err = admins.EditPerson(ctx, a, p.ID, details)
			}
			if err != nil {
				return fmt.Errorf("demo %s: %w", d.role, err)
			}
		}
		if !p.Active {
			fmt.Fprintf(stdout, "Demo mode: %s (%s) is deactivated, so there is no demo link for them.\n", p.Name, d.email)
			continue
		}
		if d.admin {
			if err := demoAdminEnrolment(ctx, st, identity, admins, stdout, p, firstLink); err != nil {
				return err
			}
		}
		url, err := identity.IssueDemoLink(ctx, a, p)
		if err != nil {
			return fmt.Errorf("demo link for %s: %w", p.Name, err)
		}
		links = append(links, demoLink{who: fmt.Sprintf("%s (%s)", p.Name, d.role), url: url})
	}

	fmt.Fprintf(stdout, "Demo sign-in links: look around without a passkey. Each works once, within %d hours, on this computer only; every start prints new ones.\n",
		int(auth.DemoLinkTTL/time.Hour))
	width := 0
	for _, l := range links {
		width = max(width, len(l.who))
	}
	for _, l := range links {
		fmt.Fprintf(stdout, "  %-*s  %s\n", width+1, l.who+":", l.url)
	}
	return nil
}

// demoAdminEnrolment prints how the demo admin sets up a passkey, while
// they have none: the link made with the organisation, or a note that the
// link printed at an earlier start still works, or a new link if that one
// was used up, withdrawn or has expired.
func demoAdminEnrolment(ctx context.Context, st *store.Store, identity *auth.Service, admins *org.Service, stdout io.Writer, admin store.Person, firstLink string) error {
	if admin.Passkeys > 0 {
		return nil
	}
	link := firstLink
	if link == "" {
		open, err := st.Org(admin.OrgID).OpenInvites(ctx, admin.ID, identity.Now())
		if err != nil {
			return err
		}
		if len(open) > 0 {
			inv := open[len(open)-1]
			fmt.Fprintf(stdout, "Demo admin (%s): the enrolment link printed on %s still works until %s; a restart does not replace it.\n"+
				"  Lost it? Use the demo admin's sign-in link below and add a passkey on your account page.\n",
				admin.Email, inv.CreatedAt.Local().Format("2 Jan 15:04"), inv.ExpiresAt.Local().Format("2 Jan 15:04"))
			return nil
		}
		l, err := admins.Reenrol(ctx, org.Operator(st, admin.OrgID, "demo"), admin.ID)
		if err != nil {
			return fmt.Errorf("demo admin link: %w", err)
		}
		link = l.URL
	}
	fmt.Fprintf(stdout, "Demo admin (%s): open this link to set up a passkey and sign in:\n  %s\n", admin.Email, link)
	return nil
}

// groupIDs is the id of the group called name, if there is one.
func groupIDs(gs []store.Group, name string) []uuid.UUID {
	for _, g := range gs {
		if strings.EqualFold(g.Name, name) {
			return []uuid.UUID{g.ID}
		}
	}
	return nil
}

func personByEmail(people []store.Person, email string) (store.Person, bool) {
	for _, p := range people {
		if strings.EqualFold(p.Email, email) {
			return p, true
		}
	}
	return store.Person{}, false
}
