package org

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/store"
)

// Floor is the fewest people a figure of the evaluation may rest on. A
// figure resting on fewer is shown as "fewer than 5", never as a number,
// so that nobody's answers can be picked out.
const Floor = 5

// Count is a number of people, or the fact that it is below the floor;
// the number of a hidden count is not kept, so a template can't show it
// by mistake.
type Count struct {
	n     int
	shown bool
}

func count(n int) Count {
	if n < Floor {
		return Count{}
	}
	return Count{n: n, shown: true}
}

// Shown reports whether the count rests on at least Floor people.
func (c Count) Shown() bool { return c.shown }

// String is the count as a page shows it.
func (c Count) String() string {
	if !c.shown {
		return fewer
	}
	return strconv.Itoa(c.n)
}

// fewer is how a hidden figure reads.
var fewer = fmt.Sprintf("fewer than %d", Floor)

// Evaluation is whether the organisation's courses worked, in its own
// learners' words: their confidence before and after each course, and
// how their scenarios ended. Every figure rests on at least Floor people,
// or reads "fewer than 5".
type Evaluation struct {
	Scope Scope
	// Courses are the courses anyone in the scope has answered a
	// confidence check of or played a scenario in, by title.
	Courses []CourseEvaluation
	// AsOf is when the figures were worked out, for a large organisation
	// served from a snapshot; zero when they were worked out just now.
	AsOf time.Time
}

// CourseEvaluation is one course's figures.
type CourseEvaluation struct {
	Course
	// Total is every statement of the course together (those shown: a
	// hidden one's answers are left out, so they can't be worked out by
	// subtraction); Statements each one, in the course's order.
	Total      Confidence
	Statements []Confidence
	Scenarios  []ScenarioEndings
}

// Confidence is one statement's (or a course's) answers before and after,
// from the people who answered both: n, the mean (1–5) and the share
// agreeing (4 or 5) before and after, and the change in each. When People
// is below the floor every figure reads "fewer than 5".
type Confidence struct {
	Statement string
	People    Count
	// The figures as a page shows them: "3.4", "60%", "+0.6", "+11
	// points".
	MeanBefore, MeanAfter, MeanChange    string
	AgreeBefore, AgreeAfter, AgreeChange string
}

// Shown reports whether the figures rest on at least Floor people.
func (c Confidence) Shown() bool { return c.People.Shown() }

// ScenarioEndings is how one scenario of a course ended for the people
// who finished it: at their first finished attempt and at their latest.
type ScenarioEndings struct {
	ID, Title     string
	First, Latest Endings
}

// EndingRow is one kind of ending, at the first and at the latest
// attempt.
type EndingRow struct {
	Outcome       content.Outcome
	First, Latest OutcomeCount
}

// Rows pairs the first and the latest attempts' figures by kind of
// ending.
func (s ScenarioEndings) Rows() []EndingRow {
	out := make([]EndingRow, len(outcomes))
	for i, o := range outcomes {
		out[i] = EndingRow{Outcome: o, First: s.First.Outcomes[i], Latest: s.Latest.Outcomes[i]}
	}
	return out
}

// Endings is a distribution of endings: how many people, and how many of
// them ended each way, with the share.
type Endings struct {
	People   Count
	Outcomes []OutcomeCount
}

// OutcomeCount is the people whose attempt ended one way.
type OutcomeCount struct {
	Outcome content.Outcome
	People  Count
	// Share is of everyone counted, as a whole per cent; empty when
	// either figure is hidden.
	Share string
}

// outcomes are the kinds of ending, in the order a page lists them.
var outcomes = []content.Outcome{content.Positive, content.Mixed, content.Negative}

// Evaluation reads the confidence answers and scenario endings of the
// people in the scope: the whole organisation (deactivated people
// included: what they answered still happened) for an org admin, the
// people in their teams for a manager. Nobody is named, and nothing is
// narrowed further, so that no figure can be had by subtracting one
// narrower from one wider.
func (c *Coverage) Evaluation(ctx context.Context, a Actor) (Evaluation, error) {
	sc, err := c.ScopeOf(ctx, a)
	if err != nil {
		return Evaluation{}, err
	}
	cat, err := c.cats.Of(ctx, a.Org)
	if err != nil {
		return Evaluation{}, err
	}
	raw, asOf, err := snapshotted(ctx, c, a, store.SnapshotEvaluation, snapshotScope(sc, nil, ""),
		func(ctx context.Context) (evaluationFigures, int, error) {
			var f evaluationFigures
			teams := sc.Teams // nil for an admin: everyone
			err := a.Org.InTx(ctx, func(tx *store.Org) error {
				var err error
				if f.Sums, err = tx.ConfidenceSums(ctx, teams, Floor); err != nil {
					return err
				}
				f.Ends, err = tx.EndingCounts(ctx, teams)
				return err
			})
			// How many rows the figures rest on: the answer pairs and
			// the people counted at endings.
			rows := 0
			for _, s := range f.Sums {
				if s.Position != 0 {
					rows += s.Pairs
				}
			}
			for _, e := range f.Ends {
				rows += e.People
			}
			return f, rows, err
		})
	if err != nil {
		return Evaluation{}, err
	}
	sums, ends := raw.Sums, raw.Ends

	courses := map[string]*CourseEvaluation{}
	of := func(module string) *CourseEvaluation {
		if courses[module] == nil {
			courses[module] = &CourseEvaluation{Course: Course{module, course(cat, module)}}
		}
		return courses[module]
	}
	totals := map[string]bool{}
	for _, s := range sums {
		ce := of(s.ModuleID)
		if s.Position == 0 {
			ce.Total, totals[s.ModuleID] = confidence(s), true
		} else {
			ce.Statements = append(ce.Statements, confidence(s))
		}
	}
	type key struct{ module, scenario string }
	byScenario := map[key]map[string]map[string]int{} // which → outcome → people
	var order []key
	for _, e := range ends {
		k := key{e.ModuleID, e.ScenarioID}
		if byScenario[k] == nil {
			byScenario[k] = map[string]map[string]int{store.FirstEnding: {}, store.LatestEnding: {}}
			order = append(order, k)
		}
		byScenario[k][e.Which][e.Outcome] += e.People
	}
	for _, k := range order {
		se := ScenarioEndings{ID: k.scenario, Title: k.scenario}
		if s, ok := cat.Scenario(k.scenario); ok {
			se.Title = s.Title
		}
		se.First = endings(byScenario[k][store.FirstEnding])
		se.Latest = endings(byScenario[k][store.LatestEnding])
		ce := of(k.module)
		ce.Scenarios = append(ce.Scenarios, se)
	}
	e := Evaluation{Scope: sc, AsOf: asOf}
	for _, ce := range courses {
		// Scenarios in the course's order, then any it no longer has by
		// title.
		place := map[string]int{}
		if m, ok := cat.Module(ce.ID); ok {
			for i, s := range m.Scenarios() {
				place[s.ID] = i + 1
			}
		}
		slices.SortFunc(ce.Scenarios, func(x, y ScenarioEndings) int {
			px, py := place[x.ID], place[y.ID]
			if px == 0 {
				px = math.MaxInt
			}
			if py == 0 {
				py = math.MaxInt
			}
			return cmp.Or(cmp.Compare(px, py), cmp.Compare(x.Title, y.Title), cmp.Compare(x.ID, y.ID))
		})
		if !totals[ce.ID] { // nobody (or nobody in a statement shown) answered both
			ce.Total.hide()
		}
		e.Courses = append(e.Courses, *ce)
	}
	slices.SortFunc(e.Courses, func(x, y CourseEvaluation) int {
		return cmp.Or(cmp.Compare(x.Title, y.Title), cmp.Compare(x.ID, y.ID))
	})
	return e, nil
}

// evaluationFigures are what an evaluation is worked out from: what a
// snapshot keeps (sums and counts, never a person's answers; the floor
// of Floor people is applied when they are shown).
type evaluationFigures struct {
	Sums []store.ConfidenceSum
	Ends []store.EndingCount
}

// confidence turns a sum of answer pairs into the figures shown.
func confidence(s store.ConfidenceSum) Confidence {
	c := Confidence{Statement: s.Statement, People: count(s.People)}
	if !c.People.Shown() || s.Pairs == 0 {
		c.hide()
		return c
	}
	// Means in tenths and shares in whole per cent, each rounded half up;
	// a change is the difference of the rounded figures, so that it is
	// the difference the page shows.
	before, after := tenths(s.SumBefore, s.Pairs), tenths(s.SumAfter, s.Pairs)
	c.MeanBefore, c.MeanAfter = decimal(before), decimal(after)
	c.MeanChange = signed(decimal(after-before), after-before)
	ab, aa := percent(s.AgreeBefore, s.Pairs), percent(s.AgreeAfter, s.Pairs)
	c.AgreeBefore, c.AgreeAfter = strconv.Itoa(ab)+"%", strconv.Itoa(aa)+"%"
	d := aa - ab
	unit := " points"
	if d == 1 || d == -1 {
		unit = " point"
	}
	c.AgreeChange = signed(strconv.Itoa(abs(d))+unit, d)
	return c
}

// hide makes every figure read "fewer than 5".
func (c *Confidence) hide() {
	c.MeanBefore, c.MeanAfter, c.MeanChange = fewer, fewer, fewer
	c.AgreeBefore, c.AgreeAfter, c.AgreeChange = fewer, fewer, fewer
}

// tenths is sum/n in tenths, rounded half up.
func tenths(sum, n int) int { return (sum*20 + n) / (2 * n) }

// percent is part/whole as a whole per cent, rounded half up.
func percent(part, whole int) int { return (part*200 + whole) / (2 * whole) }

// decimal writes tenths as a number with one decimal ("3.4"), without
// its sign.
func decimal(t int) string {
	t = abs(t)
	return fmt.Sprintf("%d.%d", t/10, t%10)
}

// signed puts the sign of d before s: "+" for a rise, a minus sign for a
// fall, nothing for none.
func signed(s string, d int) string {
	switch {
	case d > 0:
		return "+" + s
	case d < 0:
		return "−" + s
	}
	return s
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// endings turns the people per outcome into the figures shown. When
// exactly one outcome is hidden under a shown total it could be worked
// out by subtraction, so the smallest shown one is hidden with it.
func endings(by map[string]int) Endings {
	total := 0
	for _, n := range by {
		total += n
	}
	e := Endings{People: count(total)}
	if !e.People.Shown() {
		for _, o := range outcomes {
			e.Outcomes = append(e.Outcomes, OutcomeCount{Outcome: o})
		}
		return e
	}
	hidden, smallest := 0, -1
	for i, o := range outcomes {
		n := by[string(o)]
		oc := OutcomeCount{Outcome: o, People: count(n)}
		if oc.People.Shown() {
			oc.Share = strconv.Itoa(percent(n, total)) + "%"
			if smallest < 0 || n < by[string(outcomes[smallest])] {
				smallest = i
			}
		} else {
			hidden++
		}
		e.Outcomes = append(e.Outcomes, oc)
	}
	if hidden == 1 && smallest >= 0 {
		e.Outcomes[smallest] = OutcomeCount{Outcome: outcomes[smallest]}
	}
	return e
}
