package web

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/config"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/seed"
	"github.com/upstand/upstand/app/store"
)

// benchSize is a size of the coverage benchmark's organisation, from the
// environment (for a quicker trial) or the figure.
func benchSize(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// percentiles reports the 50th, 95th and 99th percentiles of the timed
// calls, in milliseconds, beside ms/op.
func percentiles(b *testing.B, took []time.Duration) {
	if len(took) == 0 {
		return
	}
	slices.Sort(took)
	at := func(p float64) float64 {
		i := min(len(took)-1, int(p*float64(len(took))))
		return float64(took[i].Microseconds()) / 1000
	}
	total := time.Duration(0)
	for _, d := range took {
		total += d
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(len(took)), "ms/op")
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// BenchmarkCoverageAtScale measures the coverage pages of an organisation
// of 50,000 learners in 500 teams, with 20 required courses and 1,000,000
// completions written by `upstand demo seed` (UPSTAND_BENCH_LEARNERS and
// UPSTAND_BENCH_TEAMS make it smaller, for a trial): each page as its
// viewer gets it, through the whole stack (session, CSRF, the service's
// transaction, the template), many times, with p50/p95/p99. The seeding
// itself is reported as the "seed" sub-benchmark. The figures and what
// makes them fast are in docs/benchmarks.md ("Coverage").
func BenchmarkCoverageAtScale(b *testing.B) {
	if testing.Short() {
		b.Skip("seeds an organisation of 50,000 learners, which takes minutes: run without -short")
	}
	learners, teams := benchSize("UPSTAND_BENCH_LEARNERS", 50000), benchSize("UPSTAND_BENCH_TEAMS", 500)
	ctx := context.Background()
	// The collector as `upstand serve` sets it.
	config.TuneCollector(os.LookupEnv)
	// UPSTAND_BENCH_EXPLAIN=FILE writes each page's statements, with
	// EXPLAIN (ANALYZE, BUFFERS) of its reads, to FILE.
	explainTo := os.Getenv("UPSTAND_BENCH_EXPLAIN")
	var statements *statementLog
	if explainTo != "" {
		statements = &statementLog{}
	}
	opts := serverOptions{}
	if statements != nil {
		opts.queries = statements
	}
	s := newTestServer(b, opts)
	var plans strings.Builder
	sv := seed.Services{Store: s.st, Org: org.New(s.st, org.Config{BaseURL: s.cfg.BaseURL}, s.clock.Now),
		Authoring: authoring.New(s.st, s.cats, os.DirFS("../.."), s.clock.Now), Cats: s.cats}
	var rows []store.ContentVersion
	for _, m := range s.cats.Library().Modules {
		rows = append(rows, store.ContentVersion{Kind: store.KindModule, ID: m.ID, Version: m.Version, Canonical: m.Canonical})
	}
	for _, sc := range s.cats.Library().Scenarios {
		rows = append(rows, store.ContentVersion{Kind: store.KindScenario, ID: sc.ID, Version: sc.Version, Canonical: sc.Canonical})
	}
	if _, err := s.st.Global().RecordContentVersions(ctx, s.clock.Now(), rows); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	res, err := seed.Run(ctx, sv, "Bench Health", seed.Options{Learners: learners, Teams: teams, Seed: 1, Courses: 20,
		Report: func(st store.SeedStep) { b.Logf("seed: %-38s %9d rows %7.1f s", st.Name, st.Rows, st.Took.Seconds()) }})
	if err != nil {
		b.Fatal(err)
	}
	seeded := time.Since(start)
	if err := store.New(s.owner).Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d learners in %d teams in %.1f s (vacuumed and analysed in %.1f s more)", learners, teams, seeded.Seconds(), time.Since(start).Seconds()-seeded.Seconds())
	var counts struct {
		People      int `bun:"people"`
		Duties      int `bun:"duties"`
		Completions int `bun:"completions"`
		Courses     int `bun:"courses"`
	}
	if err := s.owner.NewRaw(`SELECT (SELECT count(*) FROM people WHERE org_id = ?) AS people,
	(SELECT count(*) FROM coverage_duties WHERE org_id = ?) AS duties,
	(SELECT count(*) FROM completions WHERE org_id = ?) AS completions,
	(SELECT count(DISTINCT module_id) FROM requirements WHERE org_id = ?) AS courses`,
		res.Org.ID, res.Org.ID, res.Org.ID, res.Org.ID).Scan(ctx, &counts); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d people, %d completions, %d required courses, %d duties", counts.People, counts.Completions, counts.Courses, counts.Duties)

	st := s.st.Org(res.Org.ID)
	signIn := func(p store.Person) *browser {
		token, _, err := s.auth.StartSession(ctx, p, "192.0.2.1", "bench")
		if err != nil {
			b.Fatal(err)
		}
		br := s.browser(b)
		br.setCookie(s.sessionCookie, token)
		br.get("/courses")
		return br
	}
	admin, _ := s.person(b, res.Org, "Bench Admin", true)
	managers, err := st.TeamManagers(ctx)
	if err != nil {
		b.Fatal(err)
	}
	groups, err := st.Groups(ctx, store.Teams)
	if err != nil {
		b.Fatal(err)
	}
	team := groups[len(groups)/2]
	boss, err := st.Person(ctx, managers[team.ID][0])
	if err != nil {
		b.Fatal(err)
	}
	manager := signIn(boss)
	o, err := st.Organisation(ctx)
	if err != nil || o.ResponderLabelID == nil {
		b.Fatalf("no responder label: %v", err)
	}
	const course = "handling-disclosures"

	// The pages are read as a browser reads them: over a real listener,
	// by an HTTP client on a kept-alive connection, the body read as it
	// arrives. (Fiber's app.Test, which the other tests use, copies a
	// response several times over in this process: for a megabyte of
	// dashboard that was a few milliseconds of each view.)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = s.App().Listener(ln) }()
	defer s.App().Shutdown()
	base := "http://" + ln.Addr().String()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	fetch := func(b *testing.B, who *browser, path string) (int, int64) {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Header.Set("Accept", "text/html")
		who.mu.Lock()
		for _, c := range who.jar {
			req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
		who.mu.Unlock()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			body, _ := io.ReadAll(resp.Body)
			b.Fatalf("%s: status %d\n%s", path, resp.StatusCode, clip(string(body)))
		}
		n, err := io.Copy(io.Discard, resp.Body)
		if err != nil {
			b.Fatal(err)
		}
		return resp.StatusCode, n
	}

	b.Run("seed", func(b *testing.B) {
		for b.Loop() {
		}
		b.ReportMetric(seeded.Seconds(), "seed-s")
		b.ReportMetric(float64(counts.People), "people")
		b.ReportMetric(float64(counts.Completions), "completions")
	})
	for _, p := range []struct {
		name string
		who  *browser
		path string
	}{
		{"dashboard", admin, "/coverage/"},
		{"dashboard-page-6", admin, "/coverage/?page=6"},
		{"dashboard-responders", admin, "/coverage/?label=" + o.ResponderLabelID.String()},
		{"dashboard-one-team", admin, "/coverage/?team=" + team.ID.String()},
		{"drill-down-team", admin, "/coverage/courses/" + course + "?team=" + team.ID.String()},
		{"drill-down-team-overdue", admin, "/coverage/courses/" + course + "?team=" + team.ID.String() + "&status=overdue"},
		{"drill-down-everyone-overdue", admin, "/coverage/courses/" + course + "?status=overdue"},
		{"manager-dashboard", manager, "/coverage/"},
		{"roster", admin, "/coverage/roster"},
		{"trend", admin, "/coverage/trend"},
		{"evaluation", admin, "/coverage/evaluation"},
	} {
		b.Run(p.name, func(b *testing.B) {
			// The first view, on its own (for the trend and the
			// evaluation of a large organisation it works out the
			// snapshot the later ones are served from); then a few
			// unmeasured: the connections' plans and caches warm, as on a
			// server that has been up a while.
			if statements != nil {
				statements.start()
			}
			t0 := time.Now()
			_, size := fetch(b, p.who, p.path)
			first := time.Since(t0)
			if statements != nil {
				fmt.Fprintf(&plans, "## %s: GET %s\n\n", p.name, p.path)
				if err := explain(ctx, s.app, statements.stop(), &plans); err != nil {
					b.Fatal(err)
				}
			}
			for range 2 {
				fetch(b, p.who, p.path)
			}
			var took []time.Duration
			for b.Loop() {
				t0 := time.Now()
				fetch(b, p.who, p.path)
				took = append(took, time.Since(t0))
			}
			percentiles(b, took)
			b.ReportMetric(float64(first.Microseconds())/1000, "first-view-ms")
			b.ReportMetric(float64(size)/1000, "page-kB")
		})
	}

	if explainTo != "" {
		if err := os.WriteFile(explainTo, []byte(plans.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}

	// The CSV of everyone's duties, from a real listener, read as it
	// arrives: the process's peak resident size while it streams.
	b.Run("export-coverage-csv", func(b *testing.B) {
		url := base + "/coverage/exports/coverage.csv"
		var took []time.Duration
		peak := 0
		bytes := int64(0)
		for b.Loop() {
			resetPeakRSS()
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			admin.mu.Lock()
			for _, c := range admin.jar {
				req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
			}
			admin.mu.Unlock()
			t0 := time.Now()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			took = append(took, time.Since(t0))
			if err != nil || resp.StatusCode != 200 {
				b.Fatalf("export: status %d, %v", resp.StatusCode, err)
			}
			bytes = n
			peak = max(peak, peakRSS())
		}
		percentiles(b, took)
		b.ReportMetric(float64(peak)/1024, "peak-rss-MB")
		b.ReportMetric(float64(bytes)/1e6, "csv-MB")
	})
}

// statementLog is a query hook that, between start and stop, keeps the
// statements the server sends.
type statementLog struct {
	mu   sync.Mutex
	on   bool
	seen []string
}

func (l *statementLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (l *statementLog) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.on {
		l.seen = append(l.seen, e.Query)
	}
}

func (l *statementLog) start() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on, l.seen = true, nil
}

func (l *statementLog) stop() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = false
	return l.seen
}

// explain replays a page's statements in one transaction that is rolled
// back, as the app's role (so under the same row-level security and
// settings): the settings as they were, every other read under EXPLAIN
// (ANALYZE, BUFFERS), whose plans it writes to w.
func explain(ctx context.Context, db *bun.DB, statements []string, w io.Writer) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range statements {
		upper := strings.ToUpper(strings.TrimSpace(q))
		switch {
		case upper == "BEGIN" || upper == "COMMIT" || upper == "ROLLBACK":
			continue
		case strings.Contains(q, "set_config(") || !(strings.HasPrefix(upper, "SELECT") || strings.HasPrefix(upper, "WITH")):
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
			continue
		}
		var lines []string
		if err := tx.NewRaw("EXPLAIN (ANALYZE, BUFFERS) "+q).Scan(ctx, &lines); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
		fmt.Fprintf(w, "```sql\n%s\n```\n\n```\n%s\n```\n\n", q, strings.Join(lines, "\n"))
	}
	return nil
}

// resetPeakRSS starts the process's peak resident size afresh (Linux).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS is the process's peak resident size in kB since the last reset
// (0 where /proc does not say).
func peakRSS() int {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb
		}
	}
	return 0
}
