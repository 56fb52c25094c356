package web

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/learning"
)

var attemptRE = regexp.MustCompile(`name="attempt" value="([0-9a-f-]{36})"`)

// BenchmarkHotPaths measures what learners do most, through the whole
// middleware stack (session lookup, CSRF, rendering) on real PostgreSQL:
// the catalogue, a lesson, and a scenario choice (with htmx: one request;
// without JavaScript: the POST and the feedback page it redirects to). ms/op
// is the latency of one op; req/s the ops per second of one client in a
// row.
func BenchmarkHotPaths(b *testing.B) {
	s := newTestServer(b, serverOptions{})
	org := s.organisation(b, "Bench Trust")
	cat, err := content.Load(os.DirFS("../.."))
	if err != nil {
		b.Fatal(err)
	}
	const module = "handling-disclosures"
	m, ok := cat.Module(module)
	if !ok {
		b.Fatalf("no module %s", module)
	}
	var lesson, scenario *content.Step
	for _, st := range m.Steps {
		switch {
		case st.Kind == content.LessonStep && lesson == nil:
			lesson = st
		case st.Kind == content.ScenarioStep && scenario == nil:
			scenario = st
		}
	}
	report := func(b *testing.B, start time.Time) {
		elapsed := time.Since(start)
		b.ReportMetric(float64(elapsed.Microseconds())/1000/float64(b.N), "ms/op")
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	}
	n := 0
	learner := func(b *testing.B) *browser {
		n++
		br, _ := s.person(b, org, fmt.Sprintf("Bench Learner %d", n), false)
		if resp, _ := br.post("/courses/"+module+"/start", nil); resp.StatusCode != 303 {
			b.Fatalf("start course: status %d", resp.StatusCode)
		}
		return br
	}

	b.Run("catalogue", func(b *testing.B) {
		br := learner(b)
		start := time.Now()
		for b.Loop() {
			if resp, _ := br.get("/courses"); resp.StatusCode != 200 {
				b.Fatalf("catalogue: status %d", resp.StatusCode)
			}
		}
		report(b, start)
	})

	b.Run("lesson", func(b *testing.B) {
		br := learner(b)
		path := stepURL(module, lesson.Index)
		start := time.Now()
		for b.Loop() {
			if resp, _ := br.get(path); resp.StatusCode != 200 {
				b.Fatalf("lesson: status %d", resp.StatusCode)
			}
		}
		report(b, start)
	})

	// choose makes one choice per op along a path to a positive ending,
	// starting a fresh attempt whenever one ends (outside the timing's
	// interest, but inside the loop: it is one more request in a few).
	choose := func(b *testing.B, htmx bool) {
		br := learner(b)
		step := stepURL(module, scenario.Index)
		path := learning.PathTo(scenario.Scenario, content.Positive)
		var attempt string
		at := len(path)
		start := time.Now()
		for b.Loop() {
			if at == len(path) { // start (again): the attempt ended
				_, body := br.post(step+"/scenario", nil, "HX-Request", "true")
				mm := attemptRE.FindStringSubmatch(body)
				if mm == nil {
					b.Fatalf("no attempt in the scenario player:\n%s", clip(body))
				}
				attempt, at = mm[1], 0
			}
			form := url.Values{"attempt": {attempt}, "at": {fmt.Sprint(at)}, "choice": {fmt.Sprint(path[at])}}
			if htmx {
				if resp, body := br.post(step+"/choose", form, "HX-Request", "true"); resp.StatusCode != 200 {
					b.Fatalf("choose: status %d\n%s", resp.StatusCode, clip(body))
				}
			} else {
				if resp, body := br.post(step+"/choose", form); resp.StatusCode != 303 {
					b.Fatalf("choose: status %d\n%s", resp.StatusCode, clip(body))
				}
				if resp, body := br.get(step + "/feedback"); resp.StatusCode != 200 {
					b.Fatalf("feedback: status %d\n%s", resp.StatusCode, clip(body))
				}
			}
			at++
		}
		report(b, start)
	}
	b.Run("scenario-choice", func(b *testing.B) { choose(b, true) })
	// Without JavaScript a choice is two requests: the POST, which
	// redirects, and the feedback page.
	b.Run("scenario-choice-nojs", func(b *testing.B) { choose(b, false) })
}
