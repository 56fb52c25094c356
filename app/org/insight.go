package org

import (
	"bytes"
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/store"
)

// The responder roster and the trend (docs/coverage.md): for org admins
// (every team) and team managers (their teams), on the same duties and
// statuses as the dashboard. The evaluation is in evaluation.go.

// Why a team has no in-date responder.
const (
	NoResponders = "no_responders" // nobody in the team has the responder label
	NoCourses    = "no_courses"    // no course is required of the team's responders
	NoneInDate   = "none_in_date"  // responders, but none in date in every course
)

// Roster is, for every team in a scope, whether it has an in-date trained
// responder: someone with the organisation's responder label holding an
// in-date completion (status complete or due soon) of every course
// required of its responders.
type Roster struct {
	Scope Scope
	// Label is the responder label; nil when the organisation has chosen
	// none, and then nothing else is filled in.
	Label *store.Group
	// Teams are every team in the scope: those without cover first, then
	// the others, each by name. Who the in-date responders of a covered
	// team are, and its next expiry, are filled in for the teams of page
	// Page only (Shown).
	Teams []RosterTeam
	// Page is the page of teams shown (from 1) of Pages (at least 1),
	// RosterTeamsPerPage a page.
	Page, Pages int
	// Uncovered counts the teams without cover; LapsingSoon the covered
	// teams whose cover lapses within the due-soon window.
	Uncovered, LapsingSoon int
}

// Shown are the teams of the page shown.
func (r Roster) Shown() []RosterTeam {
	first := (r.Page - 1) * RosterTeamsPerPage
	return r.Teams[min(first, len(r.Teams)):min(first+RosterTeamsPerPage, len(r.Teams))]
}

// RosterTeam is one team's responder cover.
type RosterTeam struct {
	TeamID uuid.UUID
	Name   string
	// Courses are the courses the team's responders need: those required
	// of the responder label (everywhere or in this team) and those
	// required of everyone in the team.
	Courses []Course
	// Labelled counts the team's active people with the responder label;
	// InDateCount those of them in date.
	Labelled, InDateCount int
	// Responders are those people, by name: every one of them (each with
	// what they lack) for a team without cover, the in-date ones for a
	// covered team (on the page shown).
	Responders []Responder
	Covered    bool
	// Reason says why a team is not covered (NoResponders, NoCourses or
	// NoneInDate); empty when it is.
	Reason string
	// NextExpiry is the earliest expiry among the completions that make
	// the in-date responders so: when cover first thins. Nil when the team
	// has no cover or none of them expires.
	NextExpiry *Expiry
	// LapsesAt is when the team will have no in-date responder unless
	// someone completes a refresher: the last of the in-date responders'
	// own first expiries. Nil when the team has no cover, or one of its
	// responders never expires.
	LapsesAt *time.Time
	// LapsingSoon: LapsesAt is within the due-soon window.
	LapsingSoon bool
}

// InDate are the team's responders who are in date in every course.
func (t RosterTeam) InDate() []Responder {
	var out []Responder
	for _, r := range t.Responders {
		if r.InDate {
			out = append(out, r)
		}
	}
	return out
}

// Responder is one person with the responder label in one team.
type Responder struct {
	PersonID uuid.UUID
	Name     string
	// InDate: an in-date completion of every course the team's
	// responders need.
	InDate bool
	// Lacks are the courses they have no in-date completion of.
	Lacks []Lack
}

// Lack is a course a responder is not in date in: never completed (in a
// way that counts), or expired at ExpiredAt.
type Lack struct {
	Course
	ExpiredAt *time.Time
}

// Expiry is one completion's expiry: when, whose and of which course.
type Expiry struct {
	At     time.Time
	Person string
	Course Course
}

// Roster works out every team's responder cover at the present moment,
// from the roster the database keeps (store.Org.Roster): who holds a
// completion of every course their team's responders need, and until
// when. Who the in-date responders are is read for the teams of page
// (from 1; past the last is the last) only; what each not-in-date
// responder of a team without cover lacks is read from their duties, for
// those teams only. It reads in one transaction, as the dashboard does.
func (c *Coverage) Roster(ctx context.Context, a Actor, page int) (Roster, error) {
	var r Roster
	err := a.Org.InTx(ctx, func(tx *store.Org) error {
		a := a
		a.Org = tx
		var err error
		r, err = c.roster(ctx, a, page)
		return err
	})
	return r, err
}

func (c *Coverage) roster(ctx context.Context, a Actor, page int) (Roster, error) {
	sc, err := c.ScopeOf(ctx, a)
	if err != nil {
		return Roster{}, err
	}
	r := Roster{Scope: sc, Page: 1, Pages: 1}
	label := sc.Org.ResponderLabelID
	if label == nil {
		return r, nil
	}
	q, err := c.query(ctx, a, sc)
	if err != nil {
		return Roster{}, err
	}
	cat, err := c.cats.Of(ctx, a.Org)
	if err != nil {
		return Roster{}, err
	}
	now := q.Now
	soon := now.Add(q.DueSoon)
	err = a.Org.InTx(ctx, func(tx *store.Org) error {
		group, err := tx.Group(ctx, store.Labels, *label)
		if err != nil {
			return err
		}
		r.Label = &group
		teams, err := tx.GroupNames(ctx, store.Teams)
		if err != nil {
			return err
		}
		reqs, err := tx.Requirements(ctx)
		if err != nil {
			return err
		}
		cover, err := tx.Roster(ctx, q, q.Teams)
		if err != nil {
			return err
		}
		byTeam := make(map[uuid.UUID]store.RosterTeam, len(cover))
		for _, t := range cover {
			byTeam[t.TeamID] = t
		}
		needs := newResponderNeeds(cat, reqs, *label)
		var uncovered []uuid.UUID
		for _, t := range teams {
			if !sc.Sees(t.ID) {
				continue
			}
			rt := RosterTeam{TeamID: t.ID, Name: t.Name, Courses: needs.of(t.ID)}
			rt.cover(byTeam[t.ID], soon)
			if !rt.Covered && rt.Labelled > 0 {
				uncovered = append(uncovered, t.ID)
			}
			r.Teams = append(r.Teams, rt)
		}
		sortRoster(r.Teams)
		r.Pages = max(1, (len(r.Teams)+RosterTeamsPerPage-1)/RosterTeamsPerPage)
		r.Page = min(max(page, 1), r.Pages)
		if err := r.inDate(ctx, tx, q, cat); err != nil {
			return err
		}
		if len(uncovered) == 0 {
			return nil
		}
		// The teams without cover list every responder with what they
		// lack, from their duties.
		people, err := tx.RosterPeople(ctx, uncovered)
		if err != nil {
			return err
		}
		ids := make([]uuid.UUID, len(people))
		for i, p := range people {
			ids[i] = p.PersonID
		}
		duties, err := tx.Completions(ctx, q, ids)
		if err != nil {
			return err
		}
		r.lacks(people, duties, now)
		return nil
	})
	if err != nil {
		return Roster{}, err
	}
	for _, t := range r.Teams {
		if !t.Covered {
			r.Uncovered++
		} else if t.LapsingSoon {
			r.LapsingSoon++
		}
	}
	return r, nil
}

// sortRoster puts the teams without cover first, then the others, each
// by name.
func sortRoster(teams []RosterTeam) {
	slices.SortStableFunc(teams, func(x, y RosterTeam) int {
		switch {
		case x.Covered != y.Covered:
			if !x.Covered {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(x.Name, y.Name), bytes.Compare(x.TeamID[:], y.TeamID[:]))
	})
}

// inDate fills in the in-date responders of the covered teams of the page
// shown, by name, and the next expiry among them: the first by date (then
// by the responder's name).
func (r *Roster) inDate(ctx context.Context, tx *store.Org, q store.CoverageQuery, cat *content.Catalogue) error {
	shown := r.Shown()
	var ids []uuid.UUID
	for _, t := range shown {
		if t.Covered {
			ids = append(ids, t.TeamID)
		}
	}
	people, err := tx.RosterInDate(ctx, q, ids)
	if err != nil {
		return err
	}
	at := make(map[uuid.UUID]int, len(shown))
	for i, t := range shown {
		at[t.TeamID] = i
	}
	for _, p := range people {
		i, ok := at[p.TeamID]
		if !ok || !shown[i].Covered {
			continue
		}
		t := &shown[i]
		t.Responders = append(t.Responders, Responder{PersonID: p.PersonID, Name: p.Name, InDate: true})
		if p.Until != nil && p.UntilModule != nil && (t.NextExpiry == nil || p.Until.Before(t.NextExpiry.At)) {
			t.NextExpiry = &Expiry{At: *p.Until, Person: p.Name, Course: Course{*p.UntilModule, course(cat, *p.UntilModule)}}
		}
	}
	return nil
}

// responderNeeds works out, for every team, the courses its responders
// need: those required of the responder label (everywhere or in the
// team) and those required of everyone in the team, by title. (The
// database's roster works out the same set: coverage_roster_rows.) Teams
// with no requirement of their own share one list, which nobody changes.
type responderNeeds struct {
	cat    *content.Catalogue
	label  uuid.UUID
	base   []Course                          // required of the label everywhere
	byTeam map[uuid.UUID][]store.Requirement // a team's own, of the label or of everyone
}

func newResponderNeeds(cat *content.Catalogue, reqs []store.Requirement, label uuid.UUID) responderNeeds {
	n := responderNeeds{cat: cat, label: label, byTeam: map[uuid.UUID][]store.Requirement{}}
	var base []store.Requirement
	for _, req := range reqs {
		forLabel := req.LabelID != nil && *req.LabelID == label
		switch {
		case forLabel && req.TeamID == nil:
			base = append(base, req)
		case req.TeamID != nil && (forLabel || req.LabelID == nil):
			n.byTeam[*req.TeamID] = append(n.byTeam[*req.TeamID], req)
		}
	}
	n.base = n.courses(base)
	return n
}

// of is the courses the responders of team need.
func (n responderNeeds) of(team uuid.UUID) []Course {
	own := n.byTeam[team]
	if len(own) == 0 {
		return n.base
	}
	var reqs []store.Requirement
	for _, c := range n.base {
		reqs = append(reqs, store.Requirement{ModuleID: c.ID})
	}
	return n.courses(append(reqs, own...))
}

// courses are the courses of reqs, each once, by title.
func (n responderNeeds) courses(reqs []store.Requirement) []Course {
	var out []Course
	seen := map[string]bool{}
	for _, req := range reqs {
		if !seen[req.ModuleID] {
			seen[req.ModuleID] = true
			out = append(out, Course{req.ModuleID, course(n.cat, req.ModuleID)})
		}
	}
	slices.SortFunc(out, func(x, y Course) int { return cmp.Or(cmp.Compare(x.Title, y.Title), cmp.Compare(x.ID, y.ID)) })
	return out
}

// lacks lists the responders of the teams without cover (people), each
// with what they lack: a course never completed (in a way that counts),
// or one whose completion expired, from their duties.
func (r *Roster) lacks(people []store.RosterPerson, duties []store.Duty, now time.Time) {
	type key struct {
		person uuid.UUID
		module string
	}
	standing := map[key]store.Duty{}
	for _, d := range duties {
		standing[key{d.PersonID, d.ModuleID}] = d
	}
	byTeam := map[uuid.UUID][]store.RosterPerson{}
	for _, p := range people {
		byTeam[p.TeamID] = append(byTeam[p.TeamID], p)
	}
	for i := range r.Teams {
		t := &r.Teams[i]
		if t.Covered {
			continue
		}
		for _, rp := range byTeam[t.TeamID] {
			p := Responder{PersonID: rp.PersonID, Name: rp.Name}
			for _, co := range t.Courses {
				d, ok := standing[key{rp.PersonID, co.ID}]
				if ok && d.DoneAt != nil && (d.ExpiresAt == nil || d.ExpiresAt.After(now)) {
					continue
				}
				l := Lack{Course: co}
				if ok && d.DoneAt != nil {
					l.ExpiredAt = d.ExpiresAt
				}
				p.Lacks = append(p.Lacks, l)
			}
			t.Responders = append(t.Responders, p)
		}
	}
}

// cover fills in the team's cover from what the database worked out
// (c; zero when nobody in the team has the label): whether it is covered,
// and if so when its cover lapses (soon: the end of the due-soon window).
func (t *RosterTeam) cover(c store.RosterTeam, soon time.Time) {
	t.Labelled, t.InDateCount = c.Labelled, c.InDate
	switch {
	case t.InDateCount > 0 && len(t.Courses) > 0:
		t.Covered = true
	case t.Labelled == 0:
		t.Reason = NoResponders
	case len(t.Courses) == 0:
		t.Reason = NoCourses
	default:
		t.Reason = NoneInDate
	}
	if !t.Covered {
		t.InDateCount = 0
		return
	}
	if !c.Never && c.LapsesAt != nil {
		t.LapsesAt = c.LapsesAt
		t.LapsingSoon = !t.LapsesAt.After(soon)
	}
}

// TrendWeeks is how many weeks the trend covers: a year.
const TrendWeeks = 52

// TrendFilter narrows the trend to one team and one course (either may be
// empty).
type TrendFilter struct {
	Team   *uuid.UUID
	Module string
}

// Trend is coverage per required course, week by week over the last
// year, worked out from the completion history.
type Trend struct {
	Scope Scope
	// Teams are the teams the scope may narrow the trend to, by name.
	Teams []store.Group
	// Courses are every course required of someone in the scope (or the
	// chosen team), by title: what the course filter offers.
	Courses []Course
	// Weeks are the weeks, oldest first; the last is the current one.
	Weeks []Week
	// Lines are the courses shown (all of Courses, or the chosen one;
	// none when the chosen course is required of nobody in the scope),
	// each with one point per week.
	Lines []TrendLine
	// AsOf is when the figures were worked out, for a large organisation
	// served from a snapshot; zero when they were worked out just now.
	AsOf time.Time
}

// Week is one week of the trend: it starts on a Monday (UTC), and coverage
// is measured at its end (At), or now for the current week.
type Week struct {
	Start, At time.Time
}

// TrendLine is one course's coverage week by week.
type TrendLine struct {
	Course
	Points []TrendPoint
}

// TrendPoint is one week of one course: how many people the course was
// required of then (of those it is required of now), and how many of
// them held an in-date completion.
type TrendPoint struct {
	Required, Covered int
}

// Percent is the covered share as a whole per cent, rounded down (0 when
// nobody is counted).
func (p TrendPoint) Percent() int {
	if p.Required == 0 {
		return 0
	}
	return p.Covered * 100 / p.Required
}

// Last is the line's current week.
func (l TrendLine) Last() TrendPoint { return l.Points[len(l.Points)-1] }

// First is the line's oldest week.
func (l TrendLine) First() TrendPoint { return l.Points[0] }

// trendWeeks are the TrendWeeks weeks up to the one holding now.
func trendWeeks(now time.Time) []Week {
	now = now.UTC()
	y, m, d := now.Date()
	monday := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -(int(now.Weekday())+6)%7)
	weeks := make([]Week, TrendWeeks)
	for i := range weeks {
		start := monday.AddDate(0, 0, -7*(TrendWeeks-1-i))
		at := start.AddDate(0, 0, 7)
		if at.After(now) {
			at = now
		}
		weeks[i] = Week{Start: start, At: at}
	}
	return weeks
}

// Trend works out, for each course required of people in the scope, the
// share of them covered at the end of each of the last 52 weeks. Everyone
// the course is required of now counts from the week they joined the team
// or took the label that makes it so; they count as covered in a week if
// a completion that counts (for a strict requirement, one with every
// scenario at least mixed) was in date at its end, by the refresher
// period of their requirements now. Deactivated people are not counted.
func (c *Coverage) Trend(ctx context.Context, a Actor, f TrendFilter) (Trend, error) {
	sc, err := c.ScopeOf(ctx, a)
	if err != nil {
		return Trend{}, err
	}
	q, err := c.query(ctx, a, sc)
	if err != nil {
		return Trend{}, err
	}
	if f.Team != nil {
		if err := c.seeTeam(ctx, a, sc, *f.Team); err != nil {
			return Trend{}, err
		}
		q.Teams = []uuid.UUID{*f.Team}
	}
	cat, err := c.cats.Of(ctx, a.Org)
	if err != nil {
		return Trend{}, err
	}
	t := Trend{Scope: sc}
	teams, err := a.Org.GroupNames(ctx, store.Teams)
	if err != nil {
		return Trend{}, err
	}
	for _, g := range teams {
		if sc.Sees(g.ID) {
			t.Teams = append(t.Teams, g)
		}
	}
	figures, asOf, err := snapshotted(ctx, c, a, store.SnapshotTrend, snapshotScope(sc, f.Team, f.Module),
		func(ctx context.Context) (trendFigures, int, error) { return c.trend(ctx, a, q, cat, f) })
	if err != nil {
		return Trend{}, err
	}
	t.Courses, t.Weeks, t.Lines, t.AsOf = figures.Courses, figures.Weeks, figures.Lines, asOf
	return t, nil
}

// trendFigures are a trend's figures: what a snapshot keeps.
type trendFigures struct {
	Courses []Course
	Weeks   []Week
	Lines   []TrendLine
}

// trend works the trend's figures out from the duties and the completion
// history, and tells how many rows of them it read.
func (c *Coverage) trend(ctx context.Context, a Actor, q store.CoverageQuery, cat *content.Catalogue, f TrendFilter) (trendFigures, int, error) {
	t := trendFigures{Weeks: trendWeeks(q.Now)}
	// Each duty arrives with its completions and is counted at once: the
	// lines are all that is kept (store.StreamTrend).
	lines := map[string]*trendCounter{}
	rows := 0
	err := a.Org.StreamTrend(ctx, q, f.Module, func(d store.TrendDuty) error {
		rows += 1 + len(d.Done)
		l, seen := lines[d.ModuleID]
		if !seen {
			t.Courses = append(t.Courses, Course{d.ModuleID, course(cat, d.ModuleID)})
			if f.Module == "" || d.ModuleID == f.Module {
				l = newTrendCounter(t.Weeks)
			}
			lines[d.ModuleID] = l // nil: a course not asked for
		}
		if l != nil {
			l.add(d)
		}
		return nil
	})
	if err != nil {
		return trendFigures{}, 0, err
	}
	if _, ok := cat.Module(f.Module); f.Module != "" && lines[f.Module] == nil && !ok {
		return trendFigures{}, 0, fault.Input("course", "Choose one of the courses in the list.")
	}
	slices.SortFunc(t.Courses, func(x, y Course) int { return cmp.Or(cmp.Compare(x.Title, y.Title), cmp.Compare(x.ID, y.ID)) })
	for _, co := range t.Courses {
		if l := lines[co.ID]; l != nil {
			t.Lines = append(t.Lines, TrendLine{Course: co, Points: l.points()})
		}
	}
	return t, rows, nil
}

// trendCounter counts one course's people week by week: for each person,
// the weeks they are counted from, and the runs of weeks an in-date
// completion covers, are added as differences and summed at the end, so
// a person costs the number of their completions, not of the weeks.
type trendCounter struct {
	at                []time.Time // each week's moment of measuring
	required, covered []int       // differences, one longer than the weeks
}

func newTrendCounter(weeks []Week) *trendCounter {
	at := make([]time.Time, len(weeks))
	for i, w := range weeks {
		at[i] = w.At
	}
	return &trendCounter{at: at, required: make([]int, len(at)+1), covered: make([]int, len(at)+1)}
}

// index is the first week measured at or after t (len(at) if none).
func (tc *trendCounter) index(t time.Time) int {
	i, _ := slices.BinarySearchFunc(tc.at, t, func(w, t time.Time) int { return w.Compare(t) })
	return i
}

// add counts one person's duty with their completions of the course, in
// date order.
func (tc *trendCounter) add(d store.TrendDuty) {
	from := tc.index(d.JoinedAt)
	tc.required[from]++
	tc.required[len(tc.at)]--
	months := 0
	if d.Months != nil {
		months = *d.Months
	}
	// The runs of covered weeks: a completion covers the weeks measured
	// from it (inclusive) to its expiry (exclusive); overlapping runs are
	// merged so that nobody counts twice.
	end := from
	for _, c := range d.Done {
		if d.Strict && !c.StrictOK {
			continue
		}
		lo, hi := max(tc.index(c.CompletedAt), from), len(tc.at)
		if months > 0 {
			hi = tc.index(AddMonths(c.CompletedAt, months))
		}
		lo = max(lo, end)
		if lo >= hi {
			continue
		}
		tc.covered[lo]++
		tc.covered[hi]--
		end = hi
	}
}

func (tc *trendCounter) points() []TrendPoint {
	out := make([]TrendPoint, len(tc.at))
	req, cov := 0, 0
	for i := range out {
		req += tc.required[i]
		cov += tc.covered[i]
		out[i] = TrendPoint{Required: req, Covered: cov}
	}
	return out
}
