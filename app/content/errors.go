package content

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem found in the content, pinned to a file position.
type Error struct {
	Path string // relative to the content root, e.g. "scenarios/x.yaml"
	Line int    // 1-based
	Col  int    // 1-based
	// Where names the part of the file the problem is about, e.g.
	// `node "opening", choice 2` or `step 3, question 1`; empty for the file
	// as a whole.
	Where string
	Rule  string // S1–S13, M1–M7 or V1 (the competency vocabulary)
	Msg   string
}

// Error formats the problem as the one line an author acts on:
// `path:line:col: where: RULE message`.
func (e Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: ", e.Path, e.Line, e.Col)
	if e.Where != "" {
		b.WriteString(e.Where)
		b.WriteString(": ")
	}
	b.WriteString(e.Rule)
	b.WriteString(" ")
	b.WriteString(e.Msg)
	return b.String()
}

// aliasMsg is the problem with a YAML alias.
const aliasMsg = "YAML aliases (*name) are not supported; write the value out"

// OverLimit reports whether the problem is one of the format's limits on
// size rather than a mistake in the story: more nodes than MaxNodes (S11),
// or a YAML alias, which could expand a small file into a huge one. An
// editor refuses to keep a draft like that at all.
func (e Error) OverLimit() bool { return e.Rule == "S11" || strings.HasPrefix(e.Msg, aliasMsg) }

// Errors is every problem found in a content tree, sorted by file and
// position. A load that fails returns it as its error.
type Errors []Error

// Error prints every problem on its own line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

func (es Errors) sort() {
	slices.SortStableFunc(es, func(a, b Error) int {
		return cmp.Or(
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
}

// pos is a position in a file.
type pos struct{ line, col int }

// filePos is used for problems with the file as a whole.
var filePos = pos{1, 1}

// report collects the problems of one file.
type report struct {
	path string
	errs Errors
}

func (r *report) add(p pos, where, rule, format string, args ...any) {
	if p.line < 1 {
		p = filePos
	}
	r.errs = append(r.errs, Error{
		Path: r.path, Line: p.line, Col: p.col,
		Where: where, Rule: rule, Msg: fmt.Sprintf(format, args...),
	})
}

func nodeWhere(node string) string { return fmt.Sprintf("node %q", node) }

func choiceWhere(node string, choice int) string {
	return fmt.Sprintf("node %q, choice %d", node, choice)
}

// routeWhere names an entry of a routed goto (counted from 1).
func routeWhere(node string, choice, route int) string {
	return fmt.Sprintf("node %q, choice %d, route %d", node, choice, route)
}

// partWhere names a part of a node's text written as a list (counted
// from 1).
func partWhere(node string, part int) string {
	return fmt.Sprintf("node %q, text part %d", node, part)
}

// suggest returns ` (did you mean "x"?)` for the candidate closest to s, or
// "" when none is close enough to be a plausible typo.
func suggest(s string, candidates []string) string {
	if best := closest(s, candidates); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

// closest is the candidate an author most likely meant by s: the one at the
// smallest edit distance, within a third of its length (at least 2), or
// else one that s is a prefix of or that is a prefix of s ("01-intro" for
// "01-introduction"). It returns "" when none is plausible.
func closest(s string, candidates []string) string {
	best, bestDist := "", -1
	limit := max(2, len([]rune(s))/3)
	for _, c := range candidates {
		if c == s {
			continue
		}
		d := levenshtein(s, c)
		if d > limit {
			continue
		}
		if bestDist < 0 || d < bestDist || (d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	if bestDist >= 0 {
		return best
	}
	for _, c := range candidates {
		if len(s) >= 3 && len(c) >= 3 && (strings.HasPrefix(c, s) || strings.HasPrefix(s, c)) {
			if best == "" || c < best {
				best = c
			}
		}
	}
	return best
}

// levenshtein is the edit distance between a and b, counted in runes. Ids
// and field names are short, so the two-row table is plenty.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
