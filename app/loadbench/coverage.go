package main

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// The coverage pages, as an organisation's admin meets them: an
// organisation filled by `upstand demo seed` (50,000 learners in 500
// teams, 20 required courses and a million completions in a full run),
// its admin signed in with a passkey, and each page read over one
// kept-alive connection, one view after another, for the figure's
// duration. They are measured after the learners' figures, so the seeding
// does not touch those. (BenchmarkCoverageAtScale measures the same pages,
// and a team manager's dashboard, in the test process.)

// coverageOrg is the seeded organisation's name.
const coverageOrg = "Bench Health"

// coverageCourse is the course the drill-downs open.
const coverageCourse = "handling-disclosures"

// The coverage figures' names.
const (
	figCovDashboard   = "coverage: dashboard"
	figCovPage6       = "coverage: dashboard, page 6"
	figCovResponders  = "coverage: dashboard, responders"
	figCovOneTeam     = "coverage: dashboard, one team"
	figCovDrillTeam   = "coverage: drill-down, a team"
	figCovDrillEvery  = "coverage: drill-down, everyone overdue"
	figCovRoster      = "coverage: responder roster"
	figCovTrend       = "coverage: trend"
	figCovEvaluation  = "coverage: evaluation"
	coverageTargetP95 = 20.0 // ms
)

// coverageFigureNames are the figures coverage measures, in order.
var coverageFigureNames = []string{figCovDashboard, figCovPage6, figCovResponders, figCovOneTeam,
	figCovDrillTeam, figCovDrillEvery, figCovRoster, figCovTrend, figCovEvaluation}

var (
	teamSelectRE  = regexp.MustCompile(`(?s)<select id="filter-team" name="team">(.*?)</select>`)
	labelSelectRE = regexp.MustCompile(`(?s)<select id="filter-label" name="label">(.*?)</select>`)
	optionRE      = regexp.MustCompile(`<option value="([0-9a-f-]{36})"[^>]*>([^<]*)</option>`)
)

// coverage seeds the organisation and measures its pages; it returns the
// figures and how long the seeding took.
func coverage(ctx context.Context, o Options, srv *server, cl *cluster, logf func(string, ...any)) ([]Figure, time.Duration, error) {
	out, err := command(ctx, o.Binary, cl.url, srv.url, "admin", "create-org", "--name", coverageOrg,
		"--admin-name", "Cal Admin", "--admin-email", "cal@bench.example")
	if err != nil {
		return nil, 0, err
	}
	admin := newBrowser(srv.url, 1<<21)
	if err := admin.enrol(linkRE.FindString(out)); err != nil {
		return nil, 0, fmt.Errorf("coverage admin enrolment: %w", err)
	}
	logf("seeding %s: %d learners in %d teams", coverageOrg, o.CoverageLearners, o.CoverageTeams)
	t0 := time.Now()
	if _, err := command(ctx, o.Binary, cl.url, srv.url, "demo", "seed", "--org", coverageOrg,
		"--learners", strconv.Itoa(o.CoverageLearners), "--teams", strconv.Itoa(o.CoverageTeams), "--seed", "1"); err != nil {
		return nil, 0, err
	}
	seeded := time.Since(t0)
	logf("seeded in %.0f s", seeded.Seconds())

	// A team from the middle of the list, and the responder label.
	page, _, err := admin.expect(http.StatusOK, http.MethodGet, "/coverage", nil, "")
	if err != nil {
		return nil, 0, err
	}
	team, responders := "", ""
	if m := teamSelectRE.FindStringSubmatch(page); m != nil {
		if opts := optionRE.FindAllStringSubmatch(m[1], -1); len(opts) > 0 {
			team = opts[len(opts)/2][1]
		}
	}
	if m := labelSelectRE.FindStringSubmatch(page); m != nil {
		for _, opt := range optionRE.FindAllStringSubmatch(m[1], -1) {
			if html.UnescapeString(opt[2]) == "responder" {
				responders = opt[1]
			}
		}
	}
	if team == "" || responders == "" {
		return nil, 0, fmt.Errorf("coverage: no team (%q) or responder label (%q) in the dashboard's filter", team, responders)
	}
	paths := map[string]string{
		figCovDashboard:  "/coverage",
		figCovPage6:      "/coverage?page=6",
		figCovResponders: "/coverage?label=" + responders,
		figCovOneTeam:    "/coverage?team=" + team,
		figCovDrillTeam:  "/coverage/courses/" + coverageCourse + "?team=" + team,
		figCovDrillEvery: "/coverage/courses/" + coverageCourse + "?status=overdue",
		figCovRoster:     "/coverage/roster",
		figCovTrend:      "/coverage/trend",
		figCovEvaluation: "/coverage/evaluation",
	}
	var figs []Figure
	for _, name := range coverageFigureNames {
		path := paths[name]
		// The first view on its own (for a large organisation's trend and
		// evaluation it works out the snapshot later views are served
		// from), then a few unmeasured.
		for range 3 {
			if _, _, err := admin.expect(http.StatusOK, http.MethodGet, path, nil, ""); err != nil {
				return nil, 0, fmt.Errorf("%s: %w", name, err)
			}
		}
		logf("measuring %s", name)
		l := &load{name: name, targeter: get(srv.url+path, []*browser{admin}), conns: 1}
		f, err := l.attack(ctx, o, o.Duration)
		if err != nil {
			return nil, 0, err
		}
		figs = append(figs, f)
	}
	return figs, seeded, nil
}
