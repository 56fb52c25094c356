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

// TestHotPathRoundTrips: a signed-in lesson page and a scenario choice
// (htmx, the next node rendered) each reach PostgreSQL at most nine
// times, session and CSRF check included: one statement for the session
// (none for CSRF), then one transaction whose BEGIN goes with its
// set_config. Under load every round trip queues for the same cores, so
// this keeps them from growing back. The target is four (see
// docs/benchmarks.md, "From outside, with concurrency").
func TestHotPathRoundTrips(t *testing.T) {
	t.Parallel()
	trips := &roundTrips{}
	s := newTestServer(t, serverOptions{db: []db.Option{db.Trace(trips)}})
	org := s.organisation(t, "Counting Trust")
	br, _ := s.person(t, org, "Cass Counter", false)
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
	br.page(lessonURL) // the first visit records the step as seen
	const most = 9
	check := func(what string, sent []string) {
		t.Helper()
		if len(sent) > most {
			t.Errorf("%s: %d round trips to PostgreSQL, want at most %d:\n%s", what, len(sent), most, strings.Join(sent, "\n"))
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
	check("lesson page", trips.during(func() { br.page(lessonURL) }))

	step := stepURL(module, scen.Index)
	_, body := br.post(step+"/scenario", nil, "HX-Request", "true")
	mm := attemptRE.FindStringSubmatch(body)
	if mm == nil {
		t.Fatalf("no attempt in the scenario player:\n%s", clip(body))
	}
	path := learning.PathTo(scen.Scenario, content.Positive)
	for at := range 2 {
		form := url.Values{"attempt": {mm[1]}, "at": {fmt.Sprint(at)}, "choice": {fmt.Sprint(path[at])}}
		var code int
		s.clock.Add(10 * time.Millisecond)
		sent := trips.during(func() {
			resp, body := br.post(step+"/choose", form, "HX-Request", "true")
			if code = resp.StatusCode; code != 200 || !strings.Contains(body, "Feedback on your choice") {
				t.Fatalf("choice %d: status %d\n%s", at, code, clip(body))
			}
		})
		check(fmt.Sprintf("scenario choice %d", at+1), sent)
	}
}
