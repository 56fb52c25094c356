package org_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	upstand "github.com/upstand/upstand"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/fixture"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// readCSV runs an export into memory and parses it (tests only: the
// exports themselves never hold their output).
func readCSV(t *testing.T, stream org.Stream) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := stream(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("the export is not CSV: %v\n%s", err, buf.String())
	}
	return rows
}

// TestCoverageCSVMatchesCoverage: on small random organisations, the
// coverage CSV has one row per person, required course and team the
// person is in (one with no team for people in none), with the status a
// recomputation from the raw data gives and the dates the drill-down
// shows; cells a spreadsheet would run as formulas are neutralised.
func TestCoverageCSVMatchesCoverage(t *testing.T) {
	t.Parallel()
	for seed := range uint64(3) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, seed)
			// Names that would be formulas in a spreadsheet.
			w.exec(t, "UPDATE people SET name = ? WHERE id = ?", `=HYPERLINK("http://evil.example","Click")`, w.people[0].ID)
			w.exec(t, "UPDATE people SET name = ? WHERE id = ?", "+1 Person", w.people[1].ID)
			w.exec(t, "UPDATE teams SET name = ? WHERE id = ?", "@Team zero", w.teams[0].ID)
			w.exec(t, "UPDATE teams SET name = ? WHERE id = ?", "-Team one", w.teams[1].ID)
			teams := map[uuid.UUID]string{w.teams[0].ID: "@Team zero", w.teams[1].ID: "-Team one", w.teams[2].ID: w.teams[2].Name}
			now := day(40)
			w.clock.Set(now)
			stream, err := w.s.Coverage.DutiesCSV(w.ctx, w.admin)
			if err != nil {
				t.Fatal(err)
			}
			rows := readCSV(t, stream)
			if !slices.Equal(rows[0], org.DutiesHeader) {
				t.Fatalf("header %q", rows[0])
			}
			got := rows[1:]

			// The drill-down's duties (each person once per course) and the
			// brute-force statuses.
			duties, err := w.s.Coverage.People(w.ctx, w.admin, nil, "", "")
			if err != nil {
				t.Fatal(err)
			}
			brute := w.expected(now, 30*24*time.Hour)
			var want [][]string
			for _, d := range duties {
				if s := brute[d.PersonID][d.ModuleID]; s != d.Status {
					t.Fatalf("the drill-down says %s for %s in %s, the recomputation %s", d.Status, d.PersonID, d.ModuleID, s)
				}
				m, _ := w.cat.Module(d.ModuleID)
				var in []uuid.UUID
				for _, g := range w.teams {
					if _, ok := w.joined["team"][g.ID][d.PersonID]; ok {
						in = append(in, g.ID)
					}
				}
				if len(in) == 0 {
					d.TeamID = nil
					want = append(want, safe(org.DutyRow(d, teams, m.Title)))
				}
				for _, id := range in {
					d.TeamID = &id
					want = append(want, safe(org.DutyRow(d, teams, m.Title)))
				}
			}
			key := func(r []string) string { return strings.Join(r, "\x00") }
			slices.SortFunc(got, func(a, b []string) int { return strings.Compare(key(a), key(b)) })
			slices.SortFunc(want, func(a, b []string) int { return strings.Compare(key(a), key(b)) })
			if len(want) == 0 {
				t.Fatal("the world has no duties")
			}
			if !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("the CSV's rows:\n%q\nwant:\n%q", got, want)
			}
			for _, r := range got {
				for _, cell := range r {
					if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
						t.Errorf("a cell a spreadsheet would run: %q", cell)
					}
				}
				switch r[0] {
				case w.people[0].ID.String():
					if r[1] != `'=HYPERLINK("http://evil.example","Click")` {
						t.Errorf("the formula name is written %q", r[1])
					}
				case w.people[1].ID.String():
					if r[1] != "'+1 Person" {
						t.Errorf("the name starting with + is written %q", r[1])
					}
				}
			}
		})
	}
}

func safe(r []string) []string {
	for i := range r {
		r[i] = org.SafeCSV(r[i])
	}
	return r
}

// TestExportsForAManager: a team's manager gets the coverage CSV of their
// team only; the completions and the statements are for org admins;
// someone who manages nothing gets nothing. Every download is audited.
func TestExportsForAManager(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 11)
	w.clock.Set(day(40))
	team := w.teams[0]
	var boss, other store.Person
	for _, p := range w.people {
		if _, in := w.joined["team"][team.ID][p.ID]; in && !w.inactive[p.ID] && boss.Name == "" {
			boss = p
		} else if !w.inactive[p.ID] && other.Name == "" {
			other = p
		}
	}
	if boss.Name == "" || other.Name == "" {
		t.Fatal("the world has no one to make manager")
	}
	if err := w.s.Coverage.SetManager(w.ctx, w.admin, team.ID, boss.ID, true); err != nil {
		t.Fatal(err)
	}
	manager := org.ActorFor(w.s.Store, boss, "")
	stream, err := w.s.Coverage.DutiesCSV(w.ctx, manager)
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, stream)[1:]
	want := 0
	duties, err := w.s.Coverage.People(w.ctx, w.admin, &team.ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	want = len(duties)
	if len(rows) != want || want == 0 {
		t.Errorf("the manager's CSV has %d rows, want %d (the team's duties)", len(rows), want)
	}
	for _, r := range rows {
		if r[2] != team.Name {
			t.Errorf("a row of another team: %q", r)
		}
	}
	if _, err := w.s.Coverage.CompletionsCSV(w.ctx, manager); !errors.Is(err, org.ErrNoCoverage) {
		t.Errorf("the manager's completions CSV: %v", err)
	}
	if _, err := w.s.Org.StatementsExport(w.ctx, manager); !errors.Is(err, org.ErrNotOrgAdmin) {
		t.Errorf("the manager's statements: %v", err)
	}
	nobody := org.ActorFor(w.s.Store, other, "")
	if _, err := w.s.Coverage.DutiesCSV(w.ctx, nobody); !errors.Is(err, org.ErrNoCoverage) {
		t.Errorf("someone who manages nothing: %v", err)
	}
	entries, err := w.s.Org.AuditLog(w.ctx, w.admin, store.AuditFilter{Action: string(org.ExportDownload)})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Who != boss.Name || !strings.Contains(entries[0].Detail, "managed teams") {
		t.Errorf("audit entries for downloads: %+v", entries)
	}
}

// TestCompletionsCSV: one row per completion, as recorded.
func TestCompletionsCSV(t *testing.T) {
	t.Parallel()
	app := dbtest.New(t)
	cat, err := content.Load(upstand.Files)
	if err != nil {
		t.Fatal(err)
	}
	s := fixture.NewServices(store.New(app), cat, fixture.NewClock(time.Time{}).Now)
	x := fixture.NewTenant(t, s, "Aspen")
	fixture.NewTenant(t, s, "Beech") // whose completion must not show
	admin := org.ActorFor(s.Store, x.Admin, "")
	stream, err := s.Coverage.CompletionsCSV(context.Background(), admin)
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, stream)
	c := x.Course.Completion
	want := [][]string{org.CompletionsHeader, {c.ID.String(), x.Member.ID.String(), x.Member.Name, "yes", c.ModuleID, x.Course.Module.Title,
		c.ModuleVersion, c.CourseAttemptID.String(), c.CompletedAt.UTC().Format(time.RFC3339), ""}}
	if c.ExpiresAt != nil {
		want[1][9] = c.ExpiresAt.UTC().Format(time.RFC3339)
	}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("completions CSV:\n%q\nwant\n%q", rows, want)
	}
	if _, err := s.Coverage.CompletionsCSV(context.Background(), org.ActorFor(s.Store, x.Member, "")); !errors.Is(err, org.ErrNoCoverage) {
		t.Errorf("a learner's completions CSV: %v", err)
	}
}

// bigOrganisation is an organisation of n people in one team, with two
// courses required of the team: 2n duties. The people are inserted in
// bulk, as the owner, beneath the services.
func bigOrganisation(t *testing.T, n int) (fixture.Services, org.Actor) {
	t.Helper()
	ctx := context.Background()
	app, owner := dbtest.NewWithAdmin(t)
	cat, err := content.Load(upstand.Files)
	if err != nil {
		t.Fatal(err)
	}
	s := fixture.NewServices(store.New(app), cat, fixture.NewClock(day(0)).Now)
	o, boss, _, err := s.Org.CreateOrganisation(ctx, "Big Trust", "Bea Admin", "bea@big.example")
	if err != nil {
		t.Fatal(err)
	}
	admin := org.ActorFor(s.Store, boss, "")
	team, err := s.Org.CreateGroup(ctx, admin, store.Teams, "Everyone")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range cat.Modules[:2] {
		if _, err := s.Coverage.AddRequirement(ctx, admin, org.RequirementInput{ModuleID: m.ID, TeamID: &team.ID, Refresher: store.RefresherNever}); err != nil {
			t.Fatal(err)
		}
	}
	err = owner.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT set_config('upstand.org_id', ?, true)", o.ID.String()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO people (org_id, name, email, user_handle)
			SELECT ?, 'Person number ' || i, 'p' || i || '@big.example',
				decode(md5(i || 'a') || md5(i || 'b') || md5(i || 'c') || md5(i || 'd'), 'hex')
			FROM generate_series(1, ?) i`, o.ID, n); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO team_members (org_id, team_id, person_id)
			SELECT org_id, ?, id FROM people WHERE org_id = ? AND email LIKE '%@big.example' AND NOT is_org_admin`, team.ID, o.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, admin
}

// probe is where a streamed export goes in the streaming test: it keeps
// nothing, counts the writes, and halfway through measures the heap.
type probe struct {
	writes, bytes, half int
	heapAtHalf          uint64
}

func (p *probe) Write(b []byte) (int, error) {
	p.writes++
	p.bytes += len(b)
	if p.half > 0 && p.heapAtHalf == 0 && p.bytes >= p.half {
		p.heapAtHalf = liveHeap()
	}
	return len(b), nil
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestCoverageCSVStreams: an export of many rows is written as the rows
// arrive, not gathered first: it reaches its writer in many small writes,
// and halfway through the memory the process holds has grown by far less
// than the rows written so far. (Not parallel: the heap is measured.)
func TestCoverageCSVStreams(t *testing.T) {
	const people = 6000
	s, admin := bigOrganisation(t, people)
	ctx := context.Background()
	stream, err := s.Coverage.DutiesCSV(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	first := &probe{}
	if err := stream(ctx, first); err != nil {
		t.Fatal(err)
	}
	if rows := readCSV(t, stream); len(rows) != 1+2*people {
		t.Fatalf("%d rows, want %d", len(rows), 1+2*people)
	}

	p := &probe{half: first.bytes / 2}
	before := liveHeap()
	if err := stream(ctx, p); err != nil {
		t.Fatal(err)
	}
	grown := int64(p.heapAtHalf) - int64(before)
	t.Logf("%d bytes in %d writes; live heap grew by %d bytes by the half-way mark (%d bytes written)", p.bytes, p.writes, grown, p.half)
	if p.writes < p.bytes/8192 {
		t.Errorf("%d bytes arrived in only %d writes: the export was gathered before it was written", p.bytes, p.writes)
	}
	if grown > int64(p.half)/4 {
		t.Errorf("the live heap grew by %d bytes while %d bytes were written: the rows are held in memory", grown, p.half)
	}
}
