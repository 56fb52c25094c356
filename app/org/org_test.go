package org_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/fixture"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestChangeAndAuditEntryCommitTogether makes every audit insert fail (a
// trigger in this test's database) and shows that each kind of admin
// change is then refused with the error and leaves nothing behind.
func TestChangeAndAuditEntryCommitTogether(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	app, admin := dbtest.NewWithAdmin(t)
	st := store.New(app)
	base, _ := url.Parse("http://localhost:8080")
	clock := fixture.NewClock(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	svc := org.New(st, org.Config{BaseURL: base}, clock.Now)
	o, boss, _, err := svc.CreateOrganisation(ctx, "Riverside Trust", "Ama Mensah", "ama@riverside.example")
	if err != nil {
		t.Fatal(err)
	}
	a := org.ActorFor(st, boss, "192.0.2.1")
	team, err := svc.CreateGroup(ctx, a, store.Teams, "Ward 7")
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.AddSupportResource(ctx, a, org.SupportInput{Name: "EAP", Phone: "0800 000 000"})
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, admin, o.ID)

	if _, err := admin.ExecContext(ctx, `CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'audit log unavailable'; END $$;
		CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit();`); err != nil {
		t.Fatal(err)
	}
	changes := map[string]func() error{
		"invite": func() error {
			_, _, err := svc.Invite(ctx, a, store.PersonDetails{Name: "Lee Learner", Email: "lee@riverside.example"})
			return err
		},
		"edit person": func() error {
			return svc.EditPerson(ctx, a, boss.ID, store.PersonDetails{Name: "Ama M", Email: "ama@riverside.example", IsOrgAdmin: true, Teams: nil})
		},
		"new link":    func() error { _, err := svc.Reenrol(ctx, a, boss.ID); return err },
		"create team": func() error { _, err := svc.CreateGroup(ctx, a, store.Teams, "Night shift"); return err },
		"rename team": func() error { return svc.RenameGroup(ctx, a, store.Teams, team.ID, "Ward 8") },
		"delete team": func() error { return svc.DeleteGroup(ctx, a, store.Teams, team.ID) },
		"add support": func() error {
			_, err := svc.AddSupportResource(ctx, a, org.SupportInput{Name: "Helpline", Phone: "111"})
			return err
		},
		"change support": func() error {
			return svc.UpdateSupportResource(ctx, a, res.ID, org.SupportInput{Name: "EAP 2", Phone: "111"})
		},
		"remove support": func() error { return svc.DeleteSupportResource(ctx, a, res.ID) },
		"add person demo": func() error {
			_, err := svc.AddPerson(ctx, a, store.PersonDetails{Name: "Dee Demo", Email: "dee@riverside.example"})
			return err
		},
	}
	for name, change := range changes {
		err := change()
		if err == nil || !strings.Contains(err.Error(), "audit log unavailable") {
			t.Errorf("%s with the audit log refusing: %v, want the audit error", name, err)
		}
	}
	if after := snapshot(t, admin, o.ID); after != before {
		t.Errorf("changes whose audit entry failed were kept:\nbefore: %s\nafter:  %s", before, after)
	}
	var entries int
	if err := admin.NewRaw("SELECT count(*) FROM audit_log WHERE org_id = ?", o.ID).Scan(ctx, &entries); err != nil {
		t.Fatal(err)
	}
	if entries == 0 {
		t.Error("the set-up left no audit entries: the test proves nothing")
	}
}

// snapshot is every row of the organisation in the tables admin changes
// touch, read beneath row-level security.
func snapshot(t *testing.T, admin *bun.DB, orgID any) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"people", "invites", "teams", "team_members", "labels", "person_labels", "support_resources", "audit_log"} {
		var rows string
		if err := admin.NewRaw("SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY to_jsonb(x)::text), '[]')::text FROM ? x WHERE org_id = ?",
			bun.Ident(table), orgID).Scan(context.Background(), &rows); err != nil {
			t.Fatal(err)
		}
		b.WriteString(table + ": " + rows + "\n")
	}
	return b.String()
}
