package web

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/seed"
	"github.com/upstand/upstand/app/store"
)

// TestCoveragePaging: a dashboard of more teams than a page links to the
// next page and back, keeping the filter; the drill-down pages and the
// roster's table of teams too; a page that is not a whole number from 1
// is a 400 naming it.
func TestCoveragePaging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestServer(t, serverOptions{})
	var rows []store.ContentVersion
	for _, m := range s.cats.Library().Modules {
		rows = append(rows, store.ContentVersion{Kind: store.KindModule, ID: m.ID, Version: m.Version, Canonical: m.Canonical})
	}
	for _, sc := range s.cats.Library().Scenarios {
		rows = append(rows, store.ContentVersion{Kind: store.KindScenario, ID: sc.ID, Version: sc.Version, Canonical: sc.Canonical})
	}
	if _, err := s.st.Global().RecordContentVersions(ctx, s.clock.Now(), rows); err != nil {
		t.Fatal(err)
	}
	res, err := seed.Run(ctx, seed.Services{Store: s.st, Org: org.New(s.st, org.Config{BaseURL: s.cfg.BaseURL}, s.clock.Now),
		Authoring: authoring.New(s.st, s.cats, os.DirFS("../.."), s.clock.Now), Cats: s.cats}, "Paged Trust",
		seed.Options{Learners: 150, Teams: 25, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := s.person(t, res.Org, "Page Admin", true)

	resp, body := admin.get("/coverage")
	if resp.StatusCode != 200 || !strings.Contains(body, `aria-label="Pages of teams"`) || !strings.Contains(body, `href="/coverage?page=2" rel="next"`) ||
		strings.Contains(body, `rel="prev"`) || !strings.Contains(body, "Teams 1 to 10 of") {
		t.Fatalf("first page: status %d\n%s", resp.StatusCode, clip(body))
	}
	resp, body = admin.get("/coverage?page=3")
	if resp.StatusCode != 200 || !strings.Contains(body, `href="/coverage?page=2" rel="prev"`) || strings.Contains(body, `rel="next"`) ||
		!strings.Contains(body, "Teams 21 to ") {
		t.Errorf("last page: status %d\n%s", resp.StatusCode, clip(body))
	}
	// Everyone has the core courses: the same teams with the filter, a
	// bar each, so all of them on one page (a later page is the last).
	resp, body = admin.get("/coverage?page=2&course=microaggressions")
	if resp.StatusCode != 200 || strings.Contains(body, `rel="prev"`) || strings.Contains(body, `rel="next"`) || strings.Contains(body, `aria-label="Pages of teams"`) {
		t.Errorf("one course: status %d\n%s", resp.StatusCode, clip(body))
	}
	for _, path := range []string{"/coverage?page=0", "/coverage?page=two", "/coverage?page=-1", "/coverage/courses/handling-disclosures?page=1.5"} {
		if resp, body := admin.get(path); resp.StatusCode != 400 || !strings.Contains(body, "Give the page as a whole number from 1.") {
			t.Errorf("%s: status %d", path, resp.StatusCode)
		}
	}
	if resp, body := admin.get("/coverage/courses/handling-disclosures?page=7"); resp.StatusCode != 200 || !strings.Contains(body, "Everyone (") {
		t.Errorf("a drill-down page past the end: status %d", resp.StatusCode)
	}

	// The roster's table of every team is paged the same way; the teams
	// without cover are all listed above it on every page.
	resp, body = admin.get("/coverage/roster")
	if resp.StatusCode != 200 || !strings.Contains(body, `href="/coverage/roster?page=2" rel="next"`) || !strings.Contains(body, "Teams 1 to 20 of 25 are shown.") ||
		strings.Count(body, `<th scope="row" role="rowheader">`) != 20 {
		t.Fatalf("roster, first page: status %d\n%s", resp.StatusCode, clip(body))
	}
	flagged := func(body string) string {
		i := strings.Index(body, `id="flagged-heading"`)
		j := strings.Index(body, `id="all-heading"`)
		if i < 0 || j < i {
			return ""
		}
		return body[i:j]
	}
	// Every covered team's row names its in-date responders, whichever
	// page it is on (they are read for the page's teams only).
	covered := 0
	coveredRows := func(path, body string) {
		for _, row := range strings.Split(body, `<tr role="row">`)[1:] {
			if !strings.Contains(row, "status-done") && !strings.Contains(row, "status-progress") {
				continue
			}
			covered++
			if strings.Contains(row, `data-label="In-date responders">None (0 of`) {
				t.Errorf("%s: a covered team lists no in-date responder:\n%s", path, row)
			}
		}
	}
	coveredRows("/coverage/roster", body)
	first := flagged(body)
	for _, path := range []string{"/coverage/roster?page=2", "/coverage/roster?page=9"} {
		resp, body := admin.get(path)
		coveredRows(path, body)
		if resp.StatusCode != 200 || !strings.Contains(body, `href="/coverage/roster" rel="prev"`) || strings.Contains(body, `rel="next"`) ||
			!strings.Contains(body, "Teams 21 to 25 of 25 are shown.") || strings.Count(body, `<th scope="row" role="rowheader">`) != 5 {
			t.Errorf("%s: status %d\n%s", path, resp.StatusCode, clip(body))
		}
		if flagged(body) != first {
			t.Errorf("%s: the teams without cover differ from the first page's", path)
		}
	}
	if covered == 0 {
		t.Error("no covered team on any page of the roster")
	}
	if resp, body := admin.get("/coverage/roster?page=0"); resp.StatusCode != 400 || !strings.Contains(body, "Give the page as a whole number from 1.") {
		t.Errorf("roster, page 0: status %d", resp.StatusCode)
	}
}
