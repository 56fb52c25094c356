package web

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/scenario"
)

// BenchmarkStudioAnalytics measures the choice analytics page of a
// scenario with 10,000 finished attempts by 2,000 learners along random
// paths, through the whole stack as the trainer gets it. The attempts are
// written as the learning service writes them (the attempt, then for each
// choice the new state and the choice row), so the database's triggers
// count them as they do in use.
func BenchmarkStudioAnalytics(b *testing.B) {
	const learners, attempts = 2000, 10000
	s := newTestServer(b, serverOptions{})
	x := s.newTenant(b, "Bench")
	played := x.Course.Scenarios[0]
	sc := played.Scenario
	ctx := context.Background()
	orgID := x.Org.ID.String()

	seed := fmt.Sprintf(`BEGIN;
SELECT set_config('upstand.org_id', '%[1]s', true);
INSERT INTO people (org_id, name, email, user_handle)
SELECT '%[1]s', 'Bench learner ' || g, 'bench' || g || '@analytics-learners.example', decode(repeat(md5(g::text), 4), 'hex')
FROM generate_series(1, %[2]d) g;
INSERT INTO course_attempts (id, org_id, person_id, root_id, module_id, module_version, started_at)
SELECT u, '%[1]s', id, u, '%[3]s', '%[4]s', now() FROM (SELECT gen_random_uuid() AS u, id FROM people WHERE email LIKE '%%@analytics-learners.example') p;
COMMIT;`, orgID, learners, x.Course.Attempt.ModuleID, x.Course.Attempt.ModuleVersion)
	if _, err := s.owner.ExecContext(ctx, seed); err != nil {
		b.Fatal(err)
	}
	var courseAttempts []struct {
		ID       uuid.UUID `bun:"id"`
		PersonID uuid.UUID `bun:"person_id"`
	}
	err := s.owner.NewRaw(`SELECT ca.id, ca.person_id FROM course_attempts ca JOIN people p ON p.id = ca.person_id WHERE p.email LIKE '%@analytics-learners.example'`).Scan(ctx, &courseAttempts)
	if err != nil || len(courseAttempts) != learners {
		b.Fatalf("%d course attempts, %v", len(courseAttempts), err)
	}

	rnd := rand.New(rand.NewPCG(1, 2))
	quote := func(v any) string {
		j, err := json.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		return "'" + strings.ReplaceAll(string(j), "'", "''") + "'"
	}
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC).Format(time.RFC3339)
	var batch strings.Builder
	flush := func() {
		if batch.Len() == 0 {
			return
		}
		sql := "BEGIN;\nSELECT set_config('upstand.org_id', '" + orgID + "', true);\n" + batch.String() + "COMMIT;"
		if _, err := s.owner.ExecContext(ctx, sql); err != nil {
			b.Fatal(err)
		}
		batch.Reset()
	}
	for i := range attempts {
		ca := courseAttempts[i%learners]
		id := uuid.New()
		st := scenario.Start(sc)
		fmt.Fprintf(&batch, "INSERT INTO scenario_attempts (id, org_id, person_id, course_attempt_id, step_id, scenario_id, scenario_version, state, started_at, updated_at) VALUES ('%s', '%s', '%s', '%s', '%s', '%s', '%s', %s, '%s', '%s');\n",
			id, orgID, ca.PersonID, ca.ID, played.Attempt.StepID, sc.ID, sc.Version, quote(st), at, at)
		for seq := 1; !st.Finished(); seq++ {
			options := scenario.Options(sc, st)
			if len(options) == 0 {
				b.Fatalf("stuck at %s", st.Node)
			}
			node, choice := st.Node, options[rnd.IntN(len(options))].ID
			if st, _, err = scenario.Choose(sc, st, choice); err != nil {
				b.Fatal(err)
			}
			finish := ""
			if st.Finished() {
				finish = fmt.Sprintf(", outcome = '%s', finished_at = '%s'", st.Outcome, at)
			}
			fmt.Fprintf(&batch, "UPDATE scenario_attempts SET state = %s, choices = %d, updated_at = '%s'%s WHERE id = '%s';\n", quote(st), seq, at, finish, id)
			fmt.Fprintf(&batch, "INSERT INTO scenario_choices (attempt_id, seq, org_id, person_id, node, choice, at) VALUES ('%s', %d, '%s', '%s', '%s', %d, '%s');\n",
				id, seq, orgID, ca.PersonID, node, choice, at)
		}
		if i%200 == 199 {
			flush()
		}
	}
	flush()

	page := "/studio/analytics/" + sc.ID
	if resp, body := x.trainerV.get(page); resp.StatusCode != 200 || !strings.Contains(body, "Learners who started this version:</strong> 2001") {
		// 2,000 here, and the fixture's member.
		b.Fatalf("analytics: status %d\n%s", resp.StatusCode, clip(body))
	}
	start := time.Now()
	for b.Loop() {
		if resp, _ := x.trainerV.get(page); resp.StatusCode != 200 {
			b.Fatalf("analytics: status %d", resp.StatusCode)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/op")
}
