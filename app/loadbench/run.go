package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/gofiber/fiber/v2"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	upstand "github.com/upstand/upstand"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/learning"
)

// Figure is one measured figure, as bench/results.json holds it.
type Figure struct {
	Name     string  `json:"name"`
	RPS      float64 `json:"rps"`
	P50      float64 `json:"p50_ms"`
	P95      float64 `json:"p95_ms"`
	P99      float64 `json:"p99_ms"`
	Errors   uint64  `json:"errors"`
	TxPerReq float64 `json:"db_tx_per_req"`
	Ratio    float64 `json:"ratio"`
	RatioTo  string  `json:"ratio_to"`
	Requests uint64  `json:"requests"`
	Bytes    float64 `json:"bytes_per_response"`
}

// Results are one run's figures.
type Results struct {
	DurationS     float64  `json:"duration_s"`
	Connections   int      `json:"connections"`
	Learners      int      `json:"learners"`
	Figures       []Figure `json:"figures"`
	RSSIdleMB     float64  `json:"rss_idle_mb"`
	RSSSessionsMB float64  `json:"rss_sessions_mb"`
	RSSPeakMB     float64  `json:"rss_peak_mb"`
	Sessions      int      `json:"sessions"`
	ColdStartMS   float64  `json:"cold_start_ms"`
	// The coverage pages' organisation (their figures are among
	// Figures): its learners and how long `upstand demo seed` took.
	CoverageLearners int     `json:"coverage_learners,omitempty"`
	CoverageSeedS    float64 `json:"coverage_seed_s,omitempty"`
}

// The figures' names.
const (
	figHealthz   = "/healthz"
	figAsset     = "static asset"
	figBare      = "bare Fiber page"
	figPgbench   = "pgbench one-upsert transaction"
	figLesson    = "lesson page GET"
	figCatalogue = "catalogue GET"
	figChoice    = "scenario choice POST"
	figQuiz      = "quiz submit POST"
)

// module is the course the learners play: it has a lesson, a scenario and
// a quiz.
const module = "handling-disclosures"

// Run measures one run.
func Run(ctx context.Context, o Options, logw io.Writer) (*Results, error) {
	logf := func(format string, args ...any) {
		if o.Log {
			fmt.Fprintf(logw, "%s loadbench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
		}
	}
	res := &Results{DurationS: o.Duration.Seconds(), Connections: o.Connections, Learners: o.Learners}
	cat, err := content.Load(upstand.Files)
	if err != nil {
		return nil, err
	}
	course, ok := cat.Module(module)
	if !ok {
		return nil, fmt.Errorf("no course %s in the library", module)
	}
	var lesson, scen, quiz *content.Step
	for _, st := range course.Steps {
		switch {
		case st.Kind == content.LessonStep && lesson == nil:
			lesson = st
		case st.Kind == content.ScenarioStep && scen == nil:
			scen = st
		case st.Kind == content.QuizStep && quiz == nil:
			quiz = st
		}
	}
	if lesson == nil || scen == nil || quiz == nil {
		return nil, fmt.Errorf("course %s lacks a lesson, a scenario or a quiz", module)
	}
	path := learning.PathTo(scen.Scenario, content.Positive)
	if len(path) == 0 {
		return nil, fmt.Errorf("no path to a positive ending in %s", scen.Scenario.ID)
	}

	logf("starting a private PostgreSQL")
	cl, err := startCluster(ctx, o.Profile != "")
	if err != nil {
		return nil, err
	}
	defer cl.stop()
	logf("starting upstand (migrating a fresh database)")
	srv, _, err := startServer(ctx, o.Binary, cl.url)
	if err != nil {
		return nil, err
	}
	defer srv.stop()

	// Cold start: more servers on the migrated database, exec to /readyz.
	var starts []time.Duration
	for range o.ColdStarts {
		s, d, err := startServer(ctx, o.Binary, cl.url)
		if err != nil {
			return nil, err
		}
		s.stop()
		starts = append(starts, d)
	}
	slices.Sort(starts)
	res.ColdStartMS = ms(starts[len(starts)/2])
	logf("cold start %.0f ms (median of %d)", res.ColdStartMS, len(starts))

	time.Sleep(time.Second)
	if res.RSSIdleMB, _, err = srv.rss(); err != nil {
		return nil, err
	}

	// The organisation, its admin, the learners.
	out, err := command(ctx, o.Binary, cl.url, srv.url, "admin", "create-org", "--name", "Bench Trust",
		"--admin-name", "Bea Admin", "--admin-email", "bea@bench.example")
	if err != nil {
		return nil, err
	}
	admin := newBrowser(srv.url, 1<<20)
	if err := admin.enrol(linkRE.FindString(out)); err != nil {
		return nil, fmt.Errorf("admin enrolment: %w", err)
	}
	logf("inviting and enrolling %d learners, signing in %d sessions", o.Learners, max(o.Sessions, o.Learners))
	links := make([]string, o.Learners)
	for i := range links {
		admin.ip = fmt.Sprintf("10.255.%d.%d", i>>8&255, i&255) // the invite limit is per address
		body, _, err := admin.expect(http.StatusOK, http.MethodPost, "/admin/people", url.Values{
			"name": {fmt.Sprintf("Learner %d", i+1)}, "email": {fmt.Sprintf("learner%d@bench.example", i+1)}}, "")
		if err != nil {
			return nil, err
		}
		if links[i] = linkRE.FindString(body); links[i] == "" {
			return nil, fmt.Errorf("no enrolment link in the invite's page")
		}
	}
	enrolled := make([]*browser, o.Learners)
	if err := parallel(o.Learners, 4, func(i int) error {
		b := newBrowser(srv.url, 2*i+1)
		if err := b.enrol(links[i]); err != nil {
			return fmt.Errorf("learner %d enrolment: %w", i+1, err)
		}
		enrolled[i] = b
		return nil
	}); err != nil {
		return nil, err
	}
	// The sessions: each signed in with a learner's passkey. The first
	// Learners of them carry the load.
	sessions := make([]*browser, max(o.Sessions, o.Learners))
	if err := parallel(len(sessions), 4, func(i int) error {
		b := newBrowser(srv.url, 2*i+2)
		if err := b.signIn(enrolled[i%o.Learners].pk); err != nil {
			return fmt.Errorf("session %d sign-in: %w", i+1, err)
		}
		sessions[i] = b
		return nil
	}); err != nil {
		return nil, err
	}
	learners := sessions[:o.Learners]
	lessonURL := fmt.Sprintf("/courses/%s/steps/%d", module, lesson.Index)
	if err := parallel(len(learners), 4, func(i int) error {
		_, _, err := learners[i].expect(http.StatusSeeOther, http.MethodPost, "/courses/"+module+"/start", url.Values{}, "")
		return err
	}); err != nil {
		return nil, err
	}
	// Every session plays: the catalogue and a lesson.
	if err := parallel(len(sessions), 4, func(i int) error {
		if _, _, err := sessions[i].expect(http.StatusOK, http.MethodGet, "/courses", nil, ""); err != nil {
			return err
		}
		_, _, err := sessions[i].expect(http.StatusOK, http.MethodGet, lessonURL, nil, "")
		return err
	}); err != nil {
		return nil, err
	}
	res.Sessions = len(sessions)
	if res.RSSSessionsMB, _, err = srv.rss(); err != nil {
		return nil, err
	}
	logf("resident: %.0f MB idle, %.0f MB with %d sessions", res.RSSIdleMB, res.RSSSessionsMB, res.Sessions)

	// The bare page: a Fiber template page the size of the lesson page.
	lessonBody, _, err := learners[0].expect(http.StatusOK, http.MethodGet, lessonURL, nil, "")
	if err != nil {
		return nil, err
	}
	asset := stylesheetRE.FindStringSubmatch(lessonBody)
	if asset == nil {
		return nil, fmt.Errorf("no stylesheet in the lesson page")
	}
	bare, err := serveBare(len(lessonBody))
	if err != nil {
		return nil, err
	}
	defer bare.Shutdown()

	step := func(n int) string { return fmt.Sprintf("/courses/%s/steps/%d", module, n) }
	quizForm := url.Values{}
	for i, q := range quiz.Quiz.Questions {
		for j, opt := range q.Options {
			if opt.Correct {
				quizForm.Set("q"+strconv.Itoa(i+1), strconv.Itoa(j+1))
				break
			}
		}
	}
	chooser := newChooser(srv.url, step(scen.Index), learners, path)
	loads := []*load{
		{name: figHealthz, targeter: get(srv.url+"/healthz", nil), ratioTo: figBare},
		{name: figAsset, targeter: get(srv.url+asset[1], nil), ratioTo: figBare},
		{name: figBare, targeter: get(bare.url, nil)},
		{name: figLesson, targeter: get(srv.url+lessonURL, learners), ratioTo: figBare, db: true},
		{name: figCatalogue, targeter: get(srv.url+"/courses", learners), ratioTo: figBare, db: true},
		{name: figChoice, targeter: chooser.target, results: chooser.result, ratioTo: figBare, db: true},
		{name: figQuiz, targeter: post(srv.url+step(quiz.Index)+"/quiz", quizForm, learners), ratioTo: figBare, db: true},
	}

	logf("warming up")
	for _, l := range loads {
		if _, err := l.attack(ctx, o, o.Warmup); err != nil {
			return nil, err
		}
	}
	time.Sleep(o.Settle)

	byName := map[string]*Figure{}
	for _, l := range loads {
		if l.name == figLesson {
			// pgbench after the references that need no database.
			logf("measuring %s", figPgbench)
			f, err := cl.pgbench(ctx, o.Connections, o.Duration)
			if err != nil {
				return nil, err
			}
			res.Figures = append(res.Figures, f)
			time.Sleep(o.Settle)
		}
		logf("measuring %s", l.name)
		var before int64
		if l.db {
			if before, err = cl.transactions(ctx); err != nil {
				return nil, err
			}
		}
		profiled := make(chan error, 1)
		if o.Profile != "" && (l.name == figLesson || l.name == figChoice) {
			go func() {
				name := strings.ReplaceAll(strings.Fields(l.name)[0]+"-"+strings.Fields(l.name)[1], "/", "")
				profiled <- srv.profile(ctx, o.Duration, filepath.Join(o.Profile, name+".cpu.pprof"))
			}()
		} else {
			profiled <- nil
		}
		f, err := l.attack(ctx, o, o.Duration)
		if err != nil {
			return nil, err
		}
		if err := <-profiled; err != nil {
			return nil, err
		}
		if l.db {
			time.Sleep(o.Settle)
			after, err := cl.transactions(ctx)
			if err != nil {
				return nil, err
			}
			if f.Requests > 0 {
				f.TxPerReq = float64(after-before-1) / float64(f.Requests) // less the reading's own
			}
		}
		res.Figures = append(res.Figures, f)
	}
	for i := range res.Figures {
		byName[res.Figures[i].Name] = &res.Figures[i]
	}
	for _, l := range loads {
		if ref := byName[l.ratioTo]; ref != nil && ref.RPS > 0 {
			byName[l.name].Ratio = byName[l.name].RPS / ref.RPS
			byName[l.name].RatioTo = l.ratioTo
		}
	}
	if _, res.RSSPeakMB, err = srv.rss(); err != nil {
		return nil, err
	}
	if o.CoverageLearners > 0 {
		figs, seeded, err := coverage(ctx, o, srv, cl, logf)
		if err != nil {
			return nil, err
		}
		res.Figures = append(res.Figures, figs...)
		res.CoverageLearners, res.CoverageSeedS = o.CoverageLearners, seeded.Seconds()
	}
	if o.Profile != "" {
		if err := srv.save(ctx, "/debug/pprof/allocs", filepath.Join(o.Profile, "allocs.pprof")); err != nil {
			return nil, err
		}
		if err := cl.statements(ctx, filepath.Join(o.Profile, "statements.txt")); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// load is one figure's requests.
type load struct {
	name     string
	targeter vegeta.Targeter
	results  func(*vegeta.Result) bool // false: count as an error; nil: the status decides
	ratioTo  string
	db       bool
	conns    int // connections and workers (0: o.Connections)
}

// attack runs the load for d at the most the server answers (no rate
// limit), the workers and connections fixed at o.Connections (or the
// load's own number).
func (l *load) attack(ctx context.Context, o Options, d time.Duration) (Figure, error) {
	conns := o.Connections
	if l.conns > 0 {
		conns = l.conns
	}
	a := vegeta.NewAttacker(vegeta.Workers(uint64(conns)), vegeta.MaxWorkers(uint64(conns)),
		vegeta.Connections(conns), vegeta.MaxConnections(conns), vegeta.KeepAlive(true),
		vegeta.Redirects(vegeta.NoFollow), vegeta.Timeout(30*time.Second))
	var m vegeta.Metrics
	var errs uint64
	var firstErr string
	done := ctx.Done()
	for r := range a.Attack(l.targeter, vegeta.ConstantPacer{}, d, l.name) {
		ok := r.Error == "" && r.Code >= 200 && r.Code < 400
		if l.results != nil && !l.results(r) {
			ok = false
		}
		if !ok {
			errs++
			if firstErr == "" {
				firstErr = fmt.Sprintf("%d %s %.300s", r.Code, r.Error, r.Body)
			}
		}
		m.Add(r)
		select {
		case <-done:
			a.Stop()
		default:
		}
	}
	m.Close()
	if ctx.Err() != nil {
		return Figure{}, ctx.Err()
	}
	if errs > 0 && o.Log {
		fmt.Fprintf(os.Stderr, "loadbench: %s: %d errors, the first: %s\n", l.name, errs, firstErr)
	}
	f := Figure{Name: l.name, Requests: m.Requests, Errors: errs,
		P50: ms(m.Latencies.P50), P95: ms(m.Latencies.P95), P99: ms(m.Latencies.P99)}
	if m.Requests > 0 {
		f.Bytes = float64(m.BytesIn.Total) / float64(m.Requests)
	}
	if el := m.Duration + m.Wait; el > 0 {
		f.RPS = float64(m.Requests) / el.Seconds()
	}
	return f, nil
}

// get GETs u, spread over the browsers' sessions in turn (none: signed
// out).
func get(u string, as []*browser) vegeta.Targeter {
	return request(http.MethodGet, u, nil, as)
}

// post sends form (with each browser's CSRF token) as the browsers in turn.
func post(u string, form url.Values, as []*browser) vegeta.Targeter {
	return request(http.MethodPost, u, form, as)
}

func request(method, u string, form url.Values, as []*browser) vegeta.Targeter {
	var n atomic.Uint64
	headers := make([]http.Header, max(1, len(as)))
	bodies := make([][]byte, len(headers))
	for i := range headers {
		h := http.Header{"Accept": {"text/html"}}
		var csrf string
		if len(as) > 0 {
			h.Set("Cookie", as[i].cookieHeader())
			csrf = as[i].cookie(csrfCookie)
		}
		if form != nil {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Set("_csrf", csrf)
			bodies[i] = []byte(f.Encode())
			h.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		headers[i] = h
	}
	return func(t *vegeta.Target) error {
		i := int(n.Add(1)-1) % len(headers)
		t.Method, t.URL, t.Header, t.Body = method, u, headers[i], bodies[i]
		return nil
	}
}

// chooser plays the scenario as many learners at once: each learner's
// next choice goes out only when their previous one has come back, along
// a path to a positive ending, and a new attempt starts at each ending.
type chooser struct {
	step     string // the scenario step's URL
	learners []*browser
	path     []int
	state    []choiceState
	free     chan int
}

type choiceState struct {
	attempt string // "" when a new attempt is to start
	at      int
}

func newChooser(base, step string, learners []*browser, path []int) *chooser {
	c := &chooser{step: base + step, learners: learners, path: path, state: make([]choiceState, len(learners)),
		free: make(chan int, len(learners))}
	for i := range learners {
		c.free <- i
	}
	return c
}

var stylesheetRE = regexp.MustCompile(`<link rel="stylesheet" href="(/assets/[^"]+)"`)

var attemptRE = regexp.MustCompile(`name="attempt" value="([0-9a-f-]{36})"`)

func (c *chooser) target(t *vegeta.Target) error {
	i := <-c.free
	b, st := c.learners[i], c.state[i]
	form := url.Values{"_csrf": {b.cookie(csrfCookie)}}
	// lr names the learner in the result (the server ignores it).
	if st.attempt == "" {
		t.URL = c.step + "/scenario?lr=" + strconv.Itoa(i)
	} else {
		t.URL = c.step + "/choose?lr=" + strconv.Itoa(i)
		form.Set("attempt", st.attempt)
		form.Set("at", strconv.Itoa(st.at))
		form.Set("choice", strconv.Itoa(c.path[st.at]))
	}
	t.Method = http.MethodPost
	t.Body = []byte(form.Encode())
	t.Header = http.Header{"Accept": {"text/html"}, "Cookie": {b.cookieHeader()}, "HX-Request": {"true"},
		"Content-Type": {"application/x-www-form-urlencoded"}}
	return nil
}

func (c *chooser) result(r *vegeta.Result) bool {
	u, err := url.Parse(r.URL)
	if err != nil {
		return false
	}
	i, err := strconv.Atoi(u.Query().Get("lr"))
	if err != nil || i < 0 || i >= len(c.state) {
		return false
	}
	defer func() { c.free <- i }()
	st := &c.state[i]
	ok := r.Error == "" && r.Code == http.StatusOK
	switch {
	case !ok:
		st.attempt = "" // start again
	case strings.HasSuffix(u.Path, "/scenario"):
		m := attemptRE.FindSubmatch(r.Body)
		if m == nil {
			st.attempt = ""
			return false
		}
		st.attempt, st.at = string(m[1]), 0
	default:
		st.at++
		if st.at == len(c.path) {
			st.attempt = ""
		}
	}
	return ok
}

// bareServer is the reference page: Fiber and html/template, no database,
// no middleware.
type bareServer struct {
	app *fiber.App
	url string
}

func (b *bareServer) Shutdown() { _ = b.app.Shutdown() }

var bareTemplate = template.Must(template.New("bare").Parse(`<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{{.Title}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><header><a href="/">Upstand</a></header><main><h1>{{.Title}}</h1>
{{range .Paragraphs}}<p>{{.}}</p>
{{end}}</main></body></html>
`))

func serveBare(size int) (*bareServer, error) {
	type page struct {
		Title      string
		Paragraphs []string
	}
	p := page{Title: "A lesson"}
	const para = "When someone tells you something hard, listen first, thank them for telling you and ask what would help now. "
	var sb strings.Builder
	for sb.Len() < size {
		if err := bareTemplate.Execute(&sb, p); err != nil {
			return nil, err
		}
		if sb.Len() >= size {
			break
		}
		sb.Reset()
		p.Paragraphs = append(p.Paragraphs, para+para+para)
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/", func(c *fiber.Ctx) error {
		c.Type("html", "utf-8")
		return bareTemplate.Execute(c.Response().BodyWriter(), p)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() { _ = app.Listener(ln) }()
	return &bareServer{app: app, url: "http://" + ln.Addr().String() + "/"}, nil
}

// statements writes pg_stat_statements' top statements by total time.
func (c *cluster) statements(ctx context.Context, path string) error {
	if err := execAdmin(ctx, c.url, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		return err
	}
	rows, err := c.admin.QueryContext(ctx, `SELECT calls, round(total_exec_time::numeric, 1), round(total_plan_time::numeric, 1),
		round(mean_exec_time::numeric, 3), left(regexp_replace(query, '\s+', ' ', 'g'), 300)
		FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT 60`)
	if err != nil {
		return err
	}
	defer rows.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := tabwriter.NewWriter(f, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "calls\ttotal exec ms\ttotal plan ms\tmean exec ms\tquery")
	for rows.Next() {
		var calls int64
		var total, plan, mean, q string
		if err := rows.Scan(&calls, &total, &plan, &mean, &q); err != nil {
			return err
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", calls, total, plan, mean, q)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return rows.Err()
}

// Print writes the table.
func (r *Results) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "figure\treq/s\tp50 ms\tp95 ms\tp99 ms\terrors\tPG tx/req\tratio\tto\t\n")
	for _, f := range r.Figures {
		ratio := ""
		if f.RatioTo != "" {
			ratio = fmt.Sprintf("%.1f%%", 100*f.Ratio)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.1f\t%.1f\t%.1f\t%d\t%.1f\t%s\t%s\t\n", f.Name, f.RPS, f.P50, f.P95, f.P99, f.Errors, f.TxPerReq, ratio, f.RatioTo)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%.0f s a figure, %d connections, load over %d learners.\n", r.DurationS, r.Connections, r.Learners)
	fmt.Fprintf(w, "Resident: %.0f MB idle, %.0f MB with %d signed-in sessions, %.0f MB peak. Cold start (exec to /readyz 200, no pending migrations): %.0f ms.\n",
		r.RSSIdleMB, r.RSSSessionsMB, r.Sessions, r.RSSPeakMB, r.ColdStartMS)
	if r.CoverageLearners > 0 {
		fmt.Fprintf(w, "Coverage pages: an organisation of %d learners seeded in %.0f s; each page read by one admin over one connection, view after view (target: p95 ≤ %.0f ms).\n",
			r.CoverageLearners, r.CoverageSeedS, coverageTargetP95)
	}
}

// Write writes the results as JSON.
func (r *Results) Write(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
