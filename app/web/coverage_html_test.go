package web

import (
	"bytes"
	"html"
	"html/template"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// The dashboard's bars and rows as the page's template wrote them before
// they were written in Go (coverage_html.go).
var (
	barsTemplate = template.Must(template.New("bars").Parse(`{{range .}}
    <li>
      <p class="bar-head"><a href="{{.URL}}">{{.Name}}</a> <span class="meta">{{.Total}} {{if eq .Total 1}}person{{else}}people{{end}}</span></p>
      <svg class="cov-bar" width="100%" height="28" aria-hidden="true" focusable="false">
        <g stroke="#fff">{{range .Segs}}{{if .Count}}<rect x="{{.X}}" width="{{.W}}" height="28" fill="url(#pat-{{.Status}})"/>{{end}}{{end}}</g>
        <rect width="100%" height="28" fill="none" stroke="#1b1b1f" stroke-width="2"/>
      </svg>
      <ul class="bar-counts">
        {{range .Segs}}{{if .Count}}<li><svg class="swatch" width="16" height="16" aria-hidden="true" focusable="false"><use href="#sw-{{.Status}}"/></svg> <a href="{{.URL}}">{{.Word}}: {{.Count}}</a> ({{.Percent}}%)</li>{{end}}{{end}}
      </ul>
    </li>
    {{end}}`))
	rowsTemplate = template.Must(template.New("rows").Parse(`{{range .}}
  <tr role="row">
    <th scope="row" role="rowheader"><a href="{{.URL}}">{{.Team}}</a></th>
    <td role="cell" data-label="Course">{{.Course}}</td>
    <td role="cell" data-label="People">{{.Total}}</td>
    {{range .Segs}}<td role="cell" data-label="{{.Word}}">{{if .URL}}<a href="{{.URL}}">{{.Count}}</a>{{else}}0{{end}} ({{.Percent}}%)</td>{{end}}
  </tr>
  {{end}}`))
	optionsTemplate = template.Must(template.New("options").Parse(
		`{{range .Teams}}<option value="{{.ID}}"{{if eq $.Chosen .ID.String}} selected{{end}}>{{.Name}}</option>{{end}}`))
	rosterTemplate = template.Must(template.New("roster").Funcs(template.FuncMap{"day": day}).Parse(`  {{range .}}
    <tr role="row">
      <th scope="row" role="rowheader">{{.Name}}</th>
      <td role="cell" data-label="Cover">{{if not .Covered}}<span class="status status-due"><span aria-hidden="true">✗ </span>No in-date responder</span>{{else if .LapsingSoon}}<span class="status status-progress"><span aria-hidden="true">! </span>Covered, lapsing soon</span>{{else}}<span class="status status-done"><span aria-hidden="true">✓ </span>Covered</span>{{end}}</td>
      <td role="cell" data-label="In-date responders">{{with .InDate}}{{range $i, $p := .}}{{if $i}}, {{end}}{{$p.Name}}{{end}}{{else}}None{{end}} ({{len .InDate}} of {{.Labelled}} with the label)</td>
      <td role="cell" data-label="Next expiry">{{if not .Covered}}—{{else if .NextExpiry}}{{day .NextExpiry.At}} ({{.NextExpiry.Person}}, {{.NextExpiry.Course.Title}}){{else}}None: no completion expires{{end}}</td>
      <td role="cell" data-label="Cover lapses">{{if not .Covered}}—{{else if .LapsesAt}}{{day .LapsesAt}}{{else}}Never: a responder’s training does not expire{{end}}</td>
      <td role="cell" data-label="Courses responders need">{{with .Courses}}{{range $i, $c := .}}{{if $i}}, {{end}}{{$c.Title}}{{end}}{{else}}None{{end}}</td>
    </tr>
  {{end}}
`))
	trendTemplate = template.Must(template.New("trend").Parse(`{{$t := .T}}    {{range .Rows}}
      <tr role="row"><th scope="row" role="rowheader">{{.Week}}</th>{{range $i, $c := .Cells}}<td role="cell" data-label="{{(index $t.Lines $i).Title}}">{{$c}}</td>{{end}}</tr>
    {{end}}`))
	// The lists of people: the dashboard's (with the course and the
	// "send reminder" form) and the drill-down's (names linked for
	// admins).
	peopleTemplate = template.Must(template.New("people").Funcs(template.FuncMap{"day": day}).Parse(
		partial("coverage_swatch", "swatch") + partial("remind_button", "remind") + `  {{range .}}
  <tr role="row">
    <th scope="row" role="rowheader">{{.Name}}</th>
    <td role="cell" data-label="Course">{{.Course}}</td>
    <td role="cell" data-label="Status">{{template "swatch" .Status}} {{.Word}}</td>
    <td role="cell" data-label="Due">{{if .DoneAt}}Met{{else}}{{day .DueAt}}{{end}}</td>
    <td role="cell" data-label="Completed">{{if .DoneAt}}{{day .DoneAt}}{{else}}Not yet{{end}}</td>
    <td role="cell" data-label="Expires">{{if .ExpiresAt}}{{day .ExpiresAt}}{{else if .DoneAt}}Never{{end}}</td>
    <td role="cell" data-label="Reminder">{{with .Remind}}{{template "remind" .}}{{end}}</td>
  </tr>
  {{end}}
`))
	cellPeopleTemplate = template.Must(template.New("cell").Funcs(template.FuncMap{"day": day}).Parse(
		partial("coverage_swatch", "swatch") + `  {{range .People}}
  <tr role="row">
    <th scope="row" role="rowheader">{{if $.Admin}}<a href="/admin/people/{{.PersonID}}">{{.Name}}</a>{{else}}{{.Name}}{{end}}</th>
    <td role="cell" data-label="Status">{{template "swatch" .Status}} {{.Word}}</td>
    <td role="cell" data-label="Due">{{if .DoneAt}}Met{{else}}{{day .DueAt}}{{end}}</td>
    <td role="cell" data-label="Completed">{{if .DoneAt}}{{day .DoneAt}}{{else}}Not yet{{end}}</td>
    <td role="cell" data-label="Expires">{{if .ExpiresAt}}{{day .ExpiresAt}}{{else if .DoneAt}}Never{{end}}</td>
  </tr>
  {{end}}
`))
	space = regexp.MustCompile(`>\s+<`)
)

// partial is the page's partial NAME (templates/partials/NAME.html), as a
// template defined as as.
func partial(name, as string) string {
	b, err := os.ReadFile("templates/partials/" + name + ".html")
	if err != nil {
		panic(err)
	}
	return `{{define "` + as + `"}}` + strings.TrimSpace(string(b)) + `{{end}}`
}

// covSeg, covBar and covRow are what the templates above were given: a
// status's part of a bar (its share as an SVG x and width, per cent of
// the bar), a bar, and a row of the table.
type (
	covSeg struct {
		Status, Word   string
		Count, Percent int
		X, W           string
		URL            string
	}
	covBar struct {
		Name  string
		URL   string
		Total int
		Segs  []covSeg
	}
	covRow struct {
		Team, Course string
		URL          string
		Total        int
		Segs         []covSeg // every status, in order, zeros included
	}
)

// segments lays a cell's counts out as the templates' bar: every status
// in order, with its share of the cell.
func segments(c org.Cell, module, team, label string) []covSeg {
	segs := make([]covSeg, 0, len(org.Statuses))
	x := 0.0
	for _, st := range org.Statuses {
		n := c.Counts.Of(st)
		w := 0.0
		if c.Total > 0 {
			w = float64(n) * 100 / float64(c.Total)
		}
		seg := covSeg{Status: st, Word: org.StatusWords[st], Count: n, Percent: c.Percent(st)}
		if n > 0 {
			seg.X, seg.W = strconv.FormatFloat(x, 'f', 2, 64)+"%", strconv.FormatFloat(w, 'f', 2, 64)+"%"
			seg.URL = cellURL(module, team, label, st)
		}
		segs = append(segs, seg)
		x += w
	}
	return segs
}

// TestCoverageHTMLAsTheTemplateWroteIt: the bars and rows written in Go
// are the template's markup, escaping included (a team called
// <b>"R&D"</b>, and links with several parameters); so are the team
// filter's options.
func TestCoverageHTMLAsTheTemplateWroteIt(t *testing.T) {
	team := `<b>"R&D" 'lab'</b>`
	course := org.Course{ID: "handling-disclosures", Title: `Course <i>&</i>`}
	cell := coverageCell()
	one := org.Cell{ModuleID: course.ID, Total: 1}
	one.Counts.Add(store.StatusComplete, 1)
	cells := []dashCell{{Name: team, Team: "3f1e2d4c-0000-4000-8000-000000000001", Course: course, Cell: cell},
		{Name: "One", Team: "none", Course: course, Cell: one},
		{Name: "Everyone shown", Course: course, Cell: cell}}
	for _, label := range []string{"", "9a8b7c6d-0000-4000-8000-000000000002", "a&b c"} {
		var bars []covBar
		var rows []covRow
		for _, d := range cells {
			url, segs := cellURL(course.ID, d.Team, label, ""), segments(d.Cell, course.ID, d.Team, label)
			bars = append(bars, covBar{Name: d.Name, URL: url, Total: d.Cell.Total, Segs: segs})
			rows = append(rows, covRow{Team: d.Name, Course: course.Title, URL: url, Total: d.Cell.Total, Segs: segs})
		}
		// html/template writes a "+" as "&#43;"; it needs no escaping.
		norm := func(s string) string {
			return strings.ReplaceAll(strings.TrimSpace(space.ReplaceAllString(s, "><")), "&#43;", "+")
		}
		var want strings.Builder
		if err := barsTemplate.Execute(&want, bars); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if writeBars(&got, cells, label); norm(got.String()) != norm(want.String()) {
			t.Errorf("bars, label %q:\n%s\nwant:\n%s", label, norm(got.String()), norm(want.String()))
		}
		want.Reset()
		if err := rowsTemplate.Execute(&want, rows); err != nil {
			t.Fatal(err)
		}
		got.Reset()
		if writeRows(&got, cells, label); norm(got.String()) != norm(want.String()) {
			t.Errorf("rows, label %q:\n%s\nwant:\n%s", label, norm(got.String()), norm(want.String()))
		}
	}
	var want strings.Builder
	teams := []store.Group{{ID: uuid.MustParse("3f1e2d4c-0000-4000-8000-000000000001"), Name: team},
		{ID: uuid.MustParse("3f1e2d4c-0000-4000-8000-000000000002"), Name: "Ward 7"}}
	for _, chosen := range []string{"", teams[0].ID.String(), teams[1].ID.String()} {
		want.Reset()
		if err := optionsTemplate.Execute(&want, map[string]any{"Teams": teams, "Chosen": chosen}); err != nil {
			t.Fatal(err)
		}
		if got := string(teamOptionsHTML(teams, chosen)); got != want.String() {
			t.Errorf("options, %q chosen:\n%s\nwant:\n%s", chosen, got, want.String())
		}
	}
}

// coverageCell is a cell with people in every status but one.
func coverageCell() org.Cell {
	c := org.Cell{ModuleID: "handling-disclosures", Total: 7}
	for st, n := range map[string]int{store.StatusComplete: 3, store.StatusDueSoon: 1, store.StatusOverdue: 2, store.StatusExpired: 1} {
		c.Counts.Add(st, n)
	}
	return c
}

// TestRosterRowsAsTheTemplateWroteThem: the roster's rows written in Go
// are the template's markup, for a team without cover, one covered with
// a next expiry, one lapsing soon and one whose cover never lapses, with
// names to escape.
func TestRosterRowsAsTheTemplateWroteThem(t *testing.T) {
	at := time.Date(2027, 3, 14, 9, 0, 0, 0, time.UTC)
	course := org.Course{ID: "m", Title: `Course <i>&</i>`}
	teams := []org.RosterTeam{
		{Name: `<b>"R&D"</b>`, Reason: org.NoneInDate, Courses: []org.Course{course}, Labelled: 1,
			Responders: []org.Responder{{Name: "Ann <x>"}}},
		{Name: "Ward 7", Covered: true, Courses: []org.Course{course, {ID: "n", Title: "Other"}}, LapsesAt: &at,
			NextExpiry: &org.Expiry{At: at, Person: `O'Neil & Co`, Course: course},
			Labelled:   3, Responders: []org.Responder{{Name: "Ann", InDate: true}, {Name: "Cat", InDate: true}}},
		{Name: "Soon", Covered: true, LapsingSoon: true, LapsesAt: &at, Courses: []org.Course{course},
			NextExpiry: &org.Expiry{At: at, Person: "Dee", Course: course}, Labelled: 1, Responders: []org.Responder{{Name: "Dee", InDate: true}}},
		{Name: "Never", Covered: true, Courses: []org.Course{course}, Labelled: 2, Responders: []org.Responder{{Name: "Eve", InDate: true}}},
		{Name: "Empty", Reason: org.NoResponders},
	}
	norm := func(s string) string { return strings.TrimSpace(space.ReplaceAllString(s, "><")) }
	var want strings.Builder
	if err := rosterTemplate.Execute(&want, teams); err != nil {
		t.Fatal(err)
	}
	if got := string(rosterRowsHTML(teams)); norm(got) != norm(want.String()) {
		t.Errorf("roster rows:\n%s\nwant:\n%s", norm(got), norm(want.String()))
	}
}

// TestTrendRowsAsTheTemplateWroteThem: the trend's table rows written in
// Go are the template's markup, course titles escaped in the labels.
func TestTrendRowsAsTheTemplateWroteThem(t *testing.T) {
	var tr org.Trend
	for i := range 3 {
		tr.Weeks = append(tr.Weeks, org.Week{Start: time.Date(2026, 11, 2+7*i, 0, 0, 0, 0, time.UTC)})
	}
	for _, title := range []string{`Course <i>"&"</i>`, "Handling disclosures"} {
		l := org.TrendLine{Course: org.Course{ID: title, Title: title}}
		for i := range tr.Weeks {
			l.Points = append(l.Points, org.TrendPoint{Required: 4 * i, Covered: i})
		}
		tr.Lines = append(tr.Lines, l)
	}
	rows := trendRows(tr)
	norm := func(s string) string { return strings.TrimSpace(space.ReplaceAllString(s, "><")) }
	var want strings.Builder
	if err := trendTemplate.Execute(&want, map[string]any{"T": tr, "Rows": rows}); err != nil {
		t.Fatal(err)
	}
	if got := string(trendRowsHTML(tr, rows)); norm(got) != norm(want.String()) {
		t.Errorf("trend rows:\n%s\nwant:\n%s", norm(got), norm(want.String()))
	}
}

// TestCellURLEncodesAsURLValues: the drill-down links are what
// url.Values would encode, for every combination of parameters, odd
// characters included.
func TestCellURLEncodesAsURLValues(t *testing.T) {
	for _, module := range []string{"handling-disclosures", "a b/c?d"} {
		for _, team := range []string{"", "none", "3f1e2d4c-0000-4000-8000-000000000001", "a&b=c"} {
			for _, label := range []string{"", "9a8b7c6d-0000-4000-8000-000000000002", "x y+z"} {
				for _, status := range []string{"", store.StatusOverdue} {
					v := url.Values{}
					for k, s := range map[string]string{"team": team, "label": label, "status": status} {
						if s != "" {
							v.Set(k, s)
						}
					}
					want := "/coverage/courses/" + url.PathEscape(module)
					if q := v.Encode(); q != "" {
						want += "?" + q
					}
					if got := cellURL(module, team, label, status); got != want {
						t.Errorf("cellURL(%q, %q, %q, %q) = %q, want %q", module, team, label, status, got, want)
					}
					var b bytes.Buffer
					if writeCellURL(&b, module, team, label, status); b.String() != html.EscapeString(want) {
						t.Errorf("writeCellURL(%q, %q, %q, %q) = %q, want %q", module, team, label, status, b.String(), html.EscapeString(want))
					}
				}
			}
		}
	}
}

// TestPeopleRowsAsTheTemplateWroteThem: the lists of people written in Go
// are the templates' markup — the dashboard's with the course and the
// reminder form, the drill-down's with and without links to the people —
// for people overdue, complete with and without an expiry, and names,
// courses and a page to come back to that need escaping.
func TestPeopleRowsAsTheTemplateWroteThem(t *testing.T) {
	at := time.Date(2027, 3, 14, 9, 0, 0, 0, time.UTC)
	later := at.AddDate(1, 0, 0)
	ds := []store.Duty{
		{PersonID: uuid.MustParse("3f1e2d4c-0000-4000-8000-000000000001"), Name: `<b>"Ann" & 'Co'</b>`, ModuleID: "m", DueAt: at, Status: store.StatusOverdue},
		{PersonID: uuid.MustParse("3f1e2d4c-0000-4000-8000-000000000002"), Name: "Bo", ModuleID: "n", DueAt: at, DoneAt: &at, ExpiresAt: &later, Status: store.StatusComplete},
		{PersonID: uuid.MustParse("3f1e2d4c-0000-4000-8000-000000000003"), Name: "Cy", ModuleID: "m", DueAt: at, DoneAt: &at, Status: store.StatusComplete},
	}
	courses := []org.Course{{ID: "m", Title: `Course <i>&</i>`}, {ID: "n", Title: "Other"}}
	norm := func(s string) string {
		return strings.ReplaceAll(strings.TrimSpace(space.ReplaceAllString(s, "><")), "&#43;", "+")
	}
	rows := withRemind(dutyRows(ds, courses), "tok+en/x=", "/coverage?team=a&label=b c")
	var want strings.Builder
	if err := peopleTemplate.Execute(&want, rows); err != nil {
		t.Fatal(err)
	}
	if got := peopleRows(rows, peopleCols{Course: true}); norm(string(got.Rows)) != norm(want.String()) || got.N != 3 {
		t.Errorf("the dashboard's list (%d):\n%s\nwant:\n%s", got.N, norm(string(got.Rows)), norm(want.String()))
	}
	for _, admin := range []bool{false, true} {
		want.Reset()
		rows := dutyRows(ds, courses)
		if err := cellPeopleTemplate.Execute(&want, map[string]any{"Admin": admin, "People": rows}); err != nil {
			t.Fatal(err)
		}
		if got := peopleRows(rows, peopleCols{Link: admin}); norm(string(got.Rows)) != norm(want.String()) {
			t.Errorf("a drill-down's list, admin %v:\n%s\nwant:\n%s", admin, norm(string(got.Rows)), norm(want.String()))
		}
	}
}
