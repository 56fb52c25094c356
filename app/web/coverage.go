package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// The coverage pages (docs/coverage.md) are for org admins (the whole
// organisation) and team managers (their own teams): the service decides
// the scope from the signed-in person, and everyone else gets a 404 as if
// the pages did not exist. They show statuses and dates only — never
// answers, choices, reflections or confidence ratings.

// coverageFilter is the dashboard's GET form as typed.
type coverageFilter struct {
	Team, Label, Course string
}

// query is the filter as a query string ("" when empty), for links that
// keep it.
func (f coverageFilter) query() string {
	v := url.Values{}
	for k, s := range map[string]string{"team": f.Team, "label": f.Label, "course": f.Course} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v.Encode()
}

// pageParam parses the optional page number of a paged list: empty is
// the first page, anything but a whole number from 1 is a 400.
func pageParam(raw string) (int, error) {
	if raw == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 1_000_000 {
		return 0, fault.Input("page", "Give the page as a whole number from 1.")
	}
	return n, nil
}

// pageNav is a paged list's navigation: the page shown of how many, and
// the links to the previous and next pages ("" on the first and last).
type pageNav struct {
	Label       string // names the navigation for screen readers
	Page, Pages int
	Prev, Next  string
}

// pager is the navigation of page of pages, named label, linking to base
// with its query q and the page number.
func pager(label, base, q string, page, pages int) pageNav {
	link := func(n int) string {
		v, _ := url.ParseQuery(q)
		v.Del("page")
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		return base + queryPrefix(v.Encode())
	}
	nav := pageNav{Label: label, Page: page, Pages: pages}
	if page > 1 {
		nav.Prev = link(page - 1)
	}
	if page < pages {
		nav.Next = link(page + 1)
	}
	return nav
}

// optionalID parses an optional id from the query: empty is nil, and a
// malformed one is a 400 naming the field.
func optionalID(raw, field, what string) (*uuid.UUID, error) {
	if raw == "" {
		return nil, nil
	}
	id, err := uuid.Parse(raw)
	if err != nil {
		return nil, fault.Input(field, "Choose "+what+" from the list.")
	}
	return &id, nil
}

// dashCell is one team's (or everyone's) people in one course: a bar of
// the chart and a row of the table.
type dashCell struct {
	Name   string // the team, "In no team" or "Everyone shown"
	Team   string // the drill-down's team parameter
	Course org.Course
	Cell   org.Cell
}

// covCourse is a course's bars, one per team and one for everyone,
// written out (writeBars).
type covCourse struct {
	Course org.Course
	HTML   template.HTML
}

// cellURL is the drill-down of a course, in a team ("none": in no team;
// "": everyone in the scope), with a label and a status if given.
func cellURL(module, team, label, status string) string {
	var b bytes.Buffer
	b.Grow(160)
	cellURLTo(&b, module, team, label, status, false)
	return b.String()
}

// teamKey is a row's team as the drill-down's team parameter.
func teamKey(id *uuid.UUID) string {
	if id == nil {
		return "none"
	}
	return id.String()
}

func (s *Server) coveragePage(c *fiber.Ctx) error {
	form := coverageFilter{
		Team:   utils.CopyString(c.Query("team")),
		Label:  utils.CopyString(c.Query("label")),
		Course: utils.CopyString(c.Query("course")),
	}
	team, err := optionalID(form.Team, "team", "a team")
	if err != nil {
		return err
	}
	label, err := optionalID(form.Label, "label", "a job label")
	if err != nil {
		return err
	}
	page, err := pageParam(c.Query("page"))
	if err != nil {
		return err
	}
	o, err := s.cover.Overview(c.UserContext(), actor(c), org.Filter{Team: team, Label: label, Module: form.Course, Page: page})
	if err != nil {
		return err
	}
	// The bars and the table's rows are written, a course at a time, into
	// one buffer kept for the next page (pieces), and handed to the
	// template as views of it: half a megabyte of markup for 10 teams ×
	// 20 courses, which as strings of their own was the page's largest
	// garbage.
	pc := pieceBuffers.Get().(*pieces)
	defer pc.release()
	var courses []covCourse
	var rowSpans [][2]int // the table's, a course at a time
	var barSpans [][2]int
	cells := make([]dashCell, 0, len(o.Rows)+1)
	for i, co := range o.Courses {
		cells = cells[:0]
		for _, r := range o.Rows {
			if cell := r.Cells[i]; cell.Total > 0 {
				cells = append(cells, dashCell{Name: r.Name, Team: teamKey(r.TeamID), Course: co, Cell: cell})
			}
		}
		rowSpans = append(rowSpans, pc.write(func(b *bytes.Buffer) { writeRows(b, cells, form.Label) }))
		// Everyone: a person in two teams is counted once.
		if t := o.Totals[i]; len(o.Rows) > 1 && t.Total > 0 {
			cells = append(cells, dashCell{Name: "Everyone shown", Team: form.Team, Course: co, Cell: t})
		}
		barSpans = append(barSpans, pc.write(func(b *bytes.Buffer) { writeBars(b, cells, form.Label) }))
		courses = append(courses, covCourse{Course: co})
	}
	rows := make([]template.HTML, len(rowSpans))
	for i := range courses {
		courses[i].HTML = pc.html(barSpans[i])
		rows[i] = pc.html(rowSpans[i])
	}
	var teamNames []string
	if !o.Scope.Admin {
		for _, t := range o.Choices.Teams {
			teamNames = append(teamNames, t.Name)
		}
	}
	// The lists' reminder buttons come back here.
	here := utils.CopyString(c.OriginalURL())
	return s.render(c, "pages/coverage", fiber.Map{
		"Title":     "Coverage",
		"Nav":       "dashboard",
		"Admin":     o.Scope.Admin,
		"TeamNames": strings.Join(teamNames, ", "),
		"Form":      form,
		"Choices":   o.Choices,
		"TeamOpts":  teamOptionsHTML(o.Choices.Teams, form.Team),
		"Filtered":  form.query() != "",
		"Courses":   courses,
		"Rows":      rows,
		"Statuses":  statusLegend(o.Scope.Org.DueSoonDays),
		"Overdue":   peopleRows(withRemind(dutyRows(o.Overdue, o.Courses), csrfToken(c), here), peopleCols{Course: true}),
		"DueSoon":   peopleRows(withRemind(dutyRows(o.DueSoon, o.Courses), csrfToken(c), here), peopleCols{Course: true}),
		"OverdueN":  o.OverdueTotal,
		"DueSoonN":  o.DueSoonTotal,
		"SoonDays":  o.Scope.Org.DueSoonDays,
		"Teams":     o.Teams,
		"FirstTeam": (o.Page-1)*o.PerPage + 1,
		"LastTeam":  min(o.Page*o.PerPage, o.Teams),
		"Pager":     pager("Pages of teams", "/coverage", form.query(), o.Page, o.Pages),
		"PagerEnd":  pager("Pages of teams, after the table", "/coverage", form.query(), o.Page, o.Pages),
	})
}

// legendItem is a status in the legend: its word, what it means, and its
// pattern.
type legendItem struct {
	Status, Word, Meaning string
}

// statusLegend is the legend of the statuses, with the organisation's
// due-soon window.
func statusLegend(soonDays int) []legendItem {
	meaning := map[string]string{
		store.StatusComplete:   "completed, and in date",
		store.StatusDueSoon:    fmt.Sprintf("due, or due to be refreshed, within %d days", soonDays),
		store.StatusInProgress: "started, not finished, not yet due soon",
		store.StatusNotStarted: "not started, not yet due soon",
		store.StatusOverdue:    "not completed by the due date",
		store.StatusExpired:    "completed, but the refresher period has passed",
	}
	var out []legendItem
	for _, st := range org.Statuses {
		out = append(out, legendItem{Status: st, Word: org.StatusWords[st], Meaning: meaning[st]})
	}
	return out
}

// dutyRow is a person's standing in a course, for the lists and the
// drill-down.
type dutyRow struct {
	store.Duty
	Course, Word string
	// Remind is the row's "send reminder" form (nil: none).
	Remind *remindButtonData
}

// withRemind gives each row of a list of people due soon or overdue its
// "send reminder" form, which comes back to back.
func withRemind(rows []dutyRow, csrf, back string) []dutyRow {
	for i, r := range rows {
		b := remindButton(r.PersonID, r.ModuleID, r.Name, r.Course, csrf, back)
		rows[i].Remind = &b
	}
	return rows
}

func dutyRows(ds []store.Duty, courses []org.Course) []dutyRow {
	titles := map[string]string{}
	for _, c := range courses {
		titles[c.ID] = c.Title
	}
	out := make([]dutyRow, len(ds))
	for i, d := range ds {
		title := titles[d.ModuleID]
		if title == "" {
			title = d.ModuleID
		}
		out[i] = dutyRow{Duty: d, Course: title, Word: org.StatusWords[d.Status]}
	}
	return out
}

// statusChoice is a status in the drill-down's status links.
type statusChoice struct {
	Status, Word string
	Count        int
	URL          string
	Current      bool
}

// coverageCell is the drill-down: the people of one course in a team (or
// in no team, or everyone in the scope), optionally one label and one
// status, with their dates.
func (s *Server) coverageCell(c *fiber.Ctx) error {
	module := moduleParam(c)
	rawTeam := utils.CopyString(c.Query("team"))
	rawLabel := utils.CopyString(c.Query("label"))
	status := utils.CopyString(c.Query("status"))
	cq := org.CellQuery{Module: module, Status: status}
	if rawTeam == "none" {
		cq.NoTeam = true
	} else {
		team, err := optionalID(rawTeam, "team", "a team")
		if err != nil {
			return err
		}
		cq.Team = team
	}
	label, err := optionalID(rawLabel, "label", "a job label")
	if err != nil {
		return err
	}
	cq.Label = label
	if status != "" && org.StatusWords[status] == "" {
		return fault.Input("status", "Choose one of the statuses shown.")
	}
	if cq.Page, err = pageParam(c.Query("page")); err != nil {
		return err
	}
	cell, err := s.cover.Cell(c.UserContext(), actor(c), cq)
	if err != nil {
		return err
	}
	var where string
	switch {
	case cell.Team != nil:
		where = cell.Team.Name
	case cell.NoTeam:
		where = "People in no team"
	case cell.Scope.Admin:
		where = "Everyone"
	default:
		where = "All your teams"
	}
	choices := []statusChoice{{Word: "Everyone", Count: cell.Total, URL: cellURL(module, rawTeam, rawLabel, ""), Current: status == ""}}
	for _, st := range org.Statuses {
		choices = append(choices, statusChoice{Status: st, Word: org.StatusWords[st], Count: cell.Counts.Of(st),
			URL: cellURL(module, rawTeam, rawLabel, st), Current: status == st})
	}
	back := coverageFilter{Label: rawLabel}
	if cell.Team != nil {
		back.Team = rawTeam
	}
	listed := cell.Total
	if status != "" {
		listed = cell.Counts.Of(status)
	}
	here, _ := url.Parse(cellURL(module, rawTeam, rawLabel, status))
	title := cell.Course.Title + ": " + where
	if status != "" {
		title += " – " + org.StatusWords[status]
	}
	return s.render(c, "pages/coverage_cell", fiber.Map{
		"Title":    title,
		"Admin":    cell.Scope.Admin,
		"Course":   cell.Course,
		"Where":    where,
		"Label":    cell.Label,
		"Status":   status,
		"Word":     org.StatusWords[status],
		"Choices":  choices,
		"People":   peopleRows(dutyRows(cell.People, []org.Course{cell.Course}), peopleCols{Link: cell.Scope.Admin}),
		"Total":    cell.Total,
		"Listed":   listed,
		"Pager":    pager("Pages of people", here.Path, here.RawQuery, cell.Page, cell.Pages),
		"PagerEnd": pager("Pages of people, after the list", here.Path, here.RawQuery, cell.Page, cell.Pages),
		"Back":     "/coverage" + queryPrefix(back.query()),
		"Statuses": statusLegend(cell.Scope.Org.DueSoonDays),
	})
}

// queryPrefix is "?q", or "" for an empty query.
func queryPrefix(q string) string {
	if q == "" {
		return ""
	}
	return "?" + q
}

// coverageFuncs are the template functions of the coverage pages.
func coverageFuncs() template.FuncMap {
	return template.FuncMap{
		"statusWord": func(st string) string { return org.StatusWords[st] },
		"lower":      strings.ToLower,
		// asOf is when a large organisation's snapshot was worked out.
		"asOf":            func(t time.Time) string { return t.UTC().Format("2 January 2006 at 15:04 UTC") },
		"snapshotMinutes": func() int { return int(org.SnapshotMaxAge / time.Minute) },
	}
}
