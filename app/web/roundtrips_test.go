package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/db"
	"github.com/upstand/upstand/app/learning"
	orgpkg "github.com/upstand/upstand/app/org"
)

// roundTrips counts what the server's pool sends to PostgreSQL: every
// statement (BEGIN and COMMIT included) and every statement it prepares
// first, each one round trip.
type roundTrips struct {
	mu   sync.Mutex
	on   bool
	sent []string
}

func (r *roundTrips) add(what string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.on {
		r.sent = append(r.sent, what)
	}
}

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.add(d.SQL)
	return ctx
}

func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (r *roundTrips) TracePrepareStart(ctx context.Context, _ *pgx.Conn, d pgx.TracePrepareStartData) context.Context {
	r.add("PREPARE " + d.SQL)
	return ctx
}

func (r *roundTrips) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}

// during returns the round trips f made.
func (r *roundTrips) during(f func()) []string {
	r.mu.Lock()
	r.on, r.sent = true, nil
	r.mu.Unlock()
	f()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on = false
	return r.sent
}

// TestHotPathRoundTrips: each signed-in hot path reaches PostgreSQL
// exactly as often as it should, session and CSRF check included. Under
// load every round trip queues for the same cores, so a path that makes
// one more fails here (and one that makes fewer asks for its number to be
// lowered):
//
//   - a lesson seen before: the session (one statement, no CSRF storage),
//     then one transaction whose BEGIN and set_config go with its one
//     message of reads, and its COMMIT: 3 (a first visit takes the course
//     lock and records the "opened" event: 7);
//   - a scenario choice (htmx, the next node rendered), an ending's
//     included: the session, the attempt read with the course bar's
//     progress (with BEGIN and set_config), the attempt's update with its
//     choice row (and an ending's step event), COMMIT: 4;
//   - the catalogue: the session, then one transaction: the learner's
//     courses in one message, the organisation, the coverage counts'
//     anchor and the learner's duties, COMMIT: 6.
//
// See docs/benchmarks.md, "The load harness".
func TestHotPathRoundTrips(t *testing.T) {
	t.Parallel()
	trips := &roundTrips{}
	s := newTestServer(t, serverOptions{db: []db.Option{db.Trace(trips)}})
	org := s.organisation(t, "Counting Trust")
	br, cass := s.person(t, org, "Cass Counter", false)
	const module = "handling-disclosures"
	m, ok := s.learn.Content().Module(module)
	if !ok {
		t.Fatalf("no course %s", module)
	}
	var lesson, scen *content.Step
	for _, st := range m.Steps {
		switch {
		case st.Kind == content.LessonStep && lesson == nil:
			lesson = st
		case st.Kind == content.ScenarioStep && scen == nil:
			scen = st
		}
	}
	br.redirect("/courses/"+module+"/start", nil, "")
	lessonURL := stepURL(module, lesson.Index)
	check := func(what string, want int, sent []string) {
		t.Helper()
		if len(sent) != want {
			t.Errorf("%s: %d round trips to PostgreSQL, want %d:\n%s", what, len(sent), want, strings.Join(sent, "\n--\n"))
		} else {
			t.Logf("%s: %d round trips", what, len(sent))
		}
	}
	// The clock moves between requests, as it does in production: bun
	// writes the time into the SQL, so a statement pgx would prepare
	// first is new each time (a frozen clock would hide that round trip).
	// It moves less than catalogue.Fresh, so the organisation's catalogue
	// is not checked again here (once every two seconds under load).
	s.clock.Add(10 * time.Millisecond)
	// The first visit records the step as seen: the read, the course lock,
	// the attempt under it, the "opened" event, the read again.
	check("lesson page, first visit", 7, trips.during(func() { br.page(lessonURL) }))
	s.clock.Add(10 * time.Millisecond)
	check("lesson page", 3, trips.during(func() { br.page(lessonURL) }))
	s.clock.Add(10 * time.Millisecond)
	check("catalogue", 6, trips.during(func() { br.page("/courses") }))

	step := stepURL(module, scen.Index)
	_, body := br.post(step+"/scenario", nil, "HX-Request", "true")
	mm := attemptRE.FindStringSubmatch(body)
	if mm == nil {
		t.Fatalf("no attempt in the scenario player:\n%s", clip(body))
	}
	path := learning.PathTo(scen.Scenario, content.Positive)
	for at := range path {
		form := url.Values{"attempt": {mm[1]}, "at": {fmt.Sprint(at)}, "choice": {fmt.Sprint(path[at])}}
		s.clock.Add(10 * time.Millisecond)
		sent := trips.during(func() {
			resp, body := br.post(step+"/choose", form, "HX-Request", "true")
			if resp.StatusCode != 200 || !strings.Contains(body, "Feedback on your choice") {
				t.Fatalf("choice %d: status %d\n%s", at+1, resp.StatusCode, clip(body))
			}
		})
		check(fmt.Sprintf("scenario choice %d of %d", at+1, len(path)), 4, sent)
	}
	// The ending's step event, written in the choice's one statement,
	// counts in the course.
	p, err := s.learn.Course(context.Background(), orgpkg.ActorFor(s.st, cass, "test"), module)
	if err != nil {
		t.Fatal(err)
	}
	if sp := p.Steps[scen.Index-1]; sp.State != learning.Finished || sp.Outcome != content.Positive || !sp.Done {
		t.Errorf("scenario step after its ending: %+v", sp)
	}
}
