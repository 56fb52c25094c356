package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/upstand/upstand/app/auth"
	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

var (
	enrolLinkRE = regexp.MustCompile(`http://localhost:8080/enrol/[A-Za-z0-9_-]{43}`)
	demoLinkRE  = regexp.MustCompile(`(?m)^  (Demo \w+) \(([a-z ]+)\): +(http://localhost:8080/demo/([A-Za-z0-9_-]{43}))$`)
)

// TestDemoStartPrintsSignInLinks: a demo start prints the admin's
// enrolment link and a one-time link for each of the demo learner, trainer
// and admin. A second start adds nobody, keeps the enrolment link (and
// says so) and prints three new demo links.
func TestDemoStartPrintsSignInLinks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(dbtest.New(t))
	base, _ := url.Parse("http://localhost:8080")
	identity, err := auth.New(st, auth.DefaultConfig(base), time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ name, role string }{{"Demo Learner", "learner"}, {"Demo Trainer", "trainer"}, {"Demo Admin", "org admin"}}
	start := func() (string, map[string]bool) {
		t.Helper()
		var out bytes.Buffer
		if err := ensureDemo(ctx, st, identity, org.New(st, org.Config{BaseURL: base}, time.Now), nil, &out); err != nil {
			t.Fatal(err)
		}
		links := demoLinkRE.FindAllStringSubmatch(out.String(), -1)
		if len(links) != len(want) {
			t.Fatalf("%d demo links, want %d:\n%s", len(links), len(want), out.String())
		}
		tokens := map[string]bool{}
		for i, l := range links {
			if l[1] != want[i].name || l[2] != want[i].role {
				t.Errorf("link %d is for %s (%s), want %s (%s)", i, l[1], l[2], want[i].name, want[i].role)
			}
			p, err := identity.OpenDemoLink(ctx, l[4])
			if err != nil || p.Name != want[i].name {
				t.Errorf("the printed link for %s opens %q, %v", l[1], p.Name, err)
			}
			tokens[l[4]] = true
		}
		return out.String(), tokens
	}

	first, firstTokens := start()
	enrol := enrolLinkRE.FindAllString(first, -1)
	if len(enrol) != 1 || !strings.Contains(first, "Demo admin (admin@demo.example): open this link to set up a passkey") {
		t.Fatalf("first start: want one enrolment link for the demo admin:\n%s", first)
	}
	enrolToken := enrol[0][strings.LastIndex(enrol[0], "/")+1:]

	second, secondTokens := start()
	if enrolLinkRE.MatchString(second) || !strings.Contains(second, "still works until") {
		t.Errorf("second start: want no new enrolment link and a note that the first still works:\n%s", second)
	}
	if _, err := identity.OpenEnrolment(ctx, enrolToken); err != nil {
		t.Errorf("the first enrolment link stopped working after a restart: %v", err)
	}
	for tok := range secondTokens {
		if firstTokens[tok] {
			t.Error("the second start printed a demo link of the first")
		}
	}
	for tok := range firstTokens {
		if _, err := identity.OpenDemoLink(ctx, tok); err != nil {
			t.Errorf("a demo link of the first start stopped working after a restart: %v", err)
		}
	}
	orgs, err := st.Global().Organisations(ctx)
	if err != nil || len(orgs) != 1 {
		t.Fatalf("organisations after two starts: %d, %v", len(orgs), err)
	}
	people, err := st.Org(orgs[0].ID).People(ctx)
	if err != nil || len(people) != 3 {
		t.Errorf("people after two starts: %d, %v", len(people), err)
	}
}
