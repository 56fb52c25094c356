package authoring_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// playing is an organisation with a published course whose second step is
// the branching scenario sc.
type playing struct {
	team
	s      *studio
	course string
	sc     *content.Scenario
}

func (s *studio) publishedCourse(t *testing.T, tag, sc, course string) playing {
	t.Helper()
	ctx := context.Background()
	x := s.team(t, tag)
	create(t, s.Authoring, x.trainer, authoring.Scenario, sc, map[string]string{sc + ".yaml": branching(sc, "They say it keeps happening.", "good-ending")})
	publish(t, s.Authoring, x.trainer, authoring.Scenario, sc)
	create(t, s.Authoring, x.trainer, authoring.Module, course, nil)
	if _, err := s.Authoring.Save(ctx, x.trainer, authoring.Module, course, 1, courseUsing(t, s.Authoring, x.trainer, course, sc)); err != nil {
		t.Fatal(err)
	}
	publish(t, s.Authoring, x.trainer, authoring.Module, course)
	versions, err := s.Authoring.ScenarioVersions(ctx, x.trainer, sc)
	if err != nil || len(versions) != 1 {
		t.Fatalf("versions of %s: %v, %v", sc, versions, err)
	}
	return playing{team: x, s: s, course: course, sc: versions[0]}
}

// learners invites n more learners.
func (p playing) learners(t *testing.T, n int) []org.Actor {
	t.Helper()
	op := org.Operator(p.s.Store, p.org.ID, "operator")
	var out []org.Actor
	for i := range n {
		name := fmt.Sprintf("Learner %d", i)
		person, _, err := p.s.Org.Invite(context.Background(), op, store.PersonDetails{Name: p.org.Name + " " + name, Email: fmt.Sprintf("learner%d@%s.example", i, strings.ToLower(strings.Fields(p.org.Name)[0]))})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, org.ActorFor(p.s.Store, person, ""))
	}
	return out
}

// play plays the scenario step of the course through to an ending, making
// the choices given (1-based), and returns the outcome.
func (p playing) play(t *testing.T, a org.Actor, choices ...int) content.Outcome {
	t.Helper()
	ctx := context.Background()
	progress, err := p.s.Learning.Start(ctx, a, p.course, false)
	if err != nil {
		t.Fatal(err)
	}
	step := progress.Steps[1].Step
	play, err := p.s.Learning.StartScenario(ctx, a, p.course, step.Index)
	if err != nil {
		t.Fatal(err)
	}
	for seq, choice := range choices {
		if play, err = p.s.Learning.Choose(ctx, a, p.course, step.Index, play.Attempt.ID, seq, choice); err != nil {
			t.Fatal(err)
		}
	}
	return play.State.Outcome
}

// figures are every figure an analysis shows, by what it counts.
func figures(an authoring.Analytics) map[string]authoring.Figure {
	fs := map[string]authoring.Figure{"learners": an.Learners}
	for _, e := range an.Endings {
		fs["ending "+string(e.Kind)] = e.Learners
	}
	for _, n := range an.Nodes {
		fs["node "+n.Node.ID] = n.Reached
		for _, c := range n.Choices {
			fs["choice "+n.Node.ID+":"+strconv.Itoa(c.Choice.ID)] = c.Learners
		}
	}
	for i, p := range an.Paths {
		fs["path "+strconv.Itoa(i)] = p.Learners
	}
	return fs
}

// TestAnalyticsFloor: with n learners along the same path, every figure
// resting on fewer than five of them reads "fewer than 5", and the others
// are exact counts of distinct learners (a learner who plays twice counts
// once). Another organisation's learners of a scenario with the same id,
// playing at the same time, are never counted.
func TestAnalyticsFloor(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 4, 5, 6} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := newStudio(t)
			const sc, course = "night-shift", "handover-practice"
			x := s.publishedCourse(t, "Rowan", sc, course)
			other := s.publishedCourse(t, "Alder", sc, course)
			for _, a := range other.learners(t, 6) {
				other.play(t, a, 1, 1)
			}
			people := x.learners(t, n)
			for _, a := range people {
				if got := x.play(t, a, 1, 1); got != content.Positive {
					t.Fatalf("the path ended %q, want positive", got)
				}
			}
			if n > 0 {
				x.play(t, people[0], 1, 1) // again: still one learner
			}

			an, err := s.Authoring.Analyse(ctx, x.trainer, x.sc, 5)
			if err != nil {
				t.Fatal(err)
			}
			for what, f := range figures(an) {
				if v, err := strconv.Atoi(f.String()); err == nil && v < authoring.Floor {
					t.Errorf("%s is shown as %d", what, v)
				} else if err != nil && f.String() != "fewer than 5" {
					t.Errorf("%s is shown as %q", what, f.String())
				}
			}
			if n < authoring.Floor {
				if an.Learners.Shown() || an.Endings != nil || an.Nodes != nil || an.Paths != nil {
					t.Errorf("with %d learners the analysis shows %+v", n, an)
				}
				return
			}
			count := strconv.Itoa(n)
			want := map[string]string{
				"learners":        count,
				"ending positive": count, "ending mixed": "fewer than 5", "ending negative": "fewer than 5",
				"node opening": count, "choice opening:1": count, "choice opening:2": "fewer than 5",
				"node middle": count, "choice middle:1": count, "choice middle:2": "fewer than 5",
				"node good-ending": count, "node mixed-ending": "fewer than 5",
				"path 0": count,
			}
			got := figures(an)
			for what, w := range want {
				if g, ok := got[what]; !ok || g.String() != w {
					t.Errorf("%s: %q, want %q", what, g.String(), w)
				}
			}
			if len(got) != len(want) {
				t.Errorf("the analysis has %d figures, want %d: %v", len(got), len(want), got)
			}
			if share := an.Nodes[0].Choices[0].Share; share != "100%" {
				t.Errorf("the opening's first choice has a share of %q, want 100%%", share)
			}
			if share := an.Nodes[0].Choices[1].Share; share != "" {
				t.Errorf("a choice below the floor has a share %q", share)
			}
			if steps := an.Paths[0].Steps; len(steps) != 2 || steps[0].Node != "opening" || !strings.HasPrefix(steps[1].Choice, "Thank them") {
				t.Errorf("the common path reads %+v", steps)
			}
		})
	}
}
