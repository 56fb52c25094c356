package authoring

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// Floor is the fewest distinct learners a figure in choice analytics may
// rest on. A figure resting on fewer is shown as "fewer than 5", never as
// a number, so that no learner's choices can be picked out.
const Floor = 5

// Figure is a count of distinct learners, or the fact that it is below the
// floor. The count of a suppressed figure is not kept, so a template can't
// show it by mistake.
type Figure struct {
	n     int
	shown bool
}

func figure(n int) Figure {
	if n < Floor {
		return Figure{}
	}
	return Figure{n: n, shown: true}
}

// Shown reports whether the figure rests on at least Floor learners.
func (f Figure) Shown() bool { return f.shown }

// String is the figure as a page shows it.
func (f Figure) String() string {
	if !f.shown {
		return fmt.Sprintf("fewer than %d", Floor)
	}
	return strconv.Itoa(f.n)
}

// share is part as a whole percentage of whole, or "" when either rests
// on fewer learners than the floor.
func share(part, whole Figure) string {
	if !part.shown || !whole.shown || whole.n == 0 {
		return ""
	}
	return strconv.Itoa((part.n*100+whole.n/2)/whole.n) + "%"
}

// Analytics is how an organisation's learners moved through one version of
// a scenario, in distinct learners, every figure floored.
type Analytics struct {
	Scenario *content.Scenario
	// Learners started this version. When it is below the floor nothing
	// else is filled in.
	Learners Figure
	Endings  []EndingFigure
	Nodes    []NodeFigure
	// Paths are the most common complete paths, most taken first; only
	// paths taken by at least Floor learners are listed.
	Paths []PathFigure
}

// EndingFigure is how many learners finished with one kind of outcome.
type EndingFigure struct {
	Kind     content.Outcome
	Learners Figure
	Share    string
}

// NodeFigure is how many learners reached a node and how their choices
// there split.
type NodeFigure struct {
	Node    *content.Node
	Reached Figure
	Choices []ChoiceFigure
}

// ChoiceFigure is how many learners took one choice at its node.
type ChoiceFigure struct {
	Choice   *content.Choice
	Learners Figure
	Share    string // of those who reached the node
}

// PathFigure is one complete path through the scenario.
type PathFigure struct {
	Steps    []PathStep
	Learners Figure
}

// PathStep is one choice on a path.
type PathStep struct {
	Node   string
	Choice string // the choice's text; its number when the version has no such choice
}

// Analyse reads the choice analytics of one scenario version (one of
// ScenarioVersions') for the actor's organisation, listing at most paths
// paths. Only the organisation's own learners are counted, and playtests
// never are.
func (s *Service) Analyse(ctx context.Context, a org.Actor, sc *content.Scenario, paths int) (Analytics, error) {
	counts, err := a.Org.ScenarioMarkCounts(ctx, sc.ID, sc.Version)
	if err != nil {
		return Analytics{}, err
	}
	return analyse(sc, counts, paths), nil
}

// analyse builds the figures from the mark counts.
func analyse(sc *content.Scenario, counts []store.MarkCount, paths int) Analytics {
	by := make(map[string]int, len(counts))
	for _, c := range counts {
		by[c.Mark] = c.Learners
	}
	an := Analytics{Scenario: sc, Learners: figure(by["node:"+sc.Start])}
	if !an.Learners.shown {
		return an
	}
	finished := 0
	for _, kind := range []content.Outcome{content.Positive, content.Mixed, content.Negative} {
		finished += by["ending:"+string(kind)]
	}
	for _, kind := range []content.Outcome{content.Positive, content.Mixed, content.Negative} {
		f := figure(by["ending:"+string(kind)])
		an.Endings = append(an.Endings, EndingFigure{Kind: kind, Learners: f, Share: share(f, figure(finished))})
	}
	for _, id := range sc.NodeIDs {
		n := sc.Nodes[id]
		nf := NodeFigure{Node: n, Reached: figure(by["node:"+id])}
		for _, c := range n.Choices {
			f := figure(by["choice:"+id+":"+strconv.Itoa(c.ID)])
			nf.Choices = append(nf.Choices, ChoiceFigure{Choice: c, Learners: f, Share: share(f, nf.Reached)})
		}
		an.Nodes = append(an.Nodes, nf)
	}
	var common []store.MarkCount
	for _, c := range counts {
		if strings.HasPrefix(c.Mark, "path:") && c.Learners >= Floor {
			common = append(common, c)
		}
	}
	sort.SliceStable(common, func(i, j int) bool {
		if common[i].Learners != common[j].Learners {
			return common[i].Learners > common[j].Learners
		}
		return common[i].Detail < common[j].Detail
	})
	for i, c := range common {
		if i == paths {
			break
		}
		an.Paths = append(an.Paths, PathFigure{Steps: pathSteps(sc, c.Detail), Learners: figure(c.Learners)})
	}
	return an
}

// pathSteps reads a path stored as "node:choice node:choice ...".
func pathSteps(sc *content.Scenario, detail string) []PathStep {
	var steps []PathStep
	for _, f := range strings.Fields(detail) {
		node, num, _ := strings.Cut(f, ":")
		step := PathStep{Node: node, Choice: "choice " + num}
		if n, ok := sc.Nodes[node]; ok {
			if i, err := strconv.Atoi(num); err == nil && i >= 1 && i <= len(n.Choices) {
				step.Choice = n.Choices[i-1].Text
			}
		}
		steps = append(steps, step)
	}
	return steps
}
