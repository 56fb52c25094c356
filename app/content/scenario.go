package content

import (
	"html/template"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// Outcome is the kind of a scenario ending.
type Outcome string

// The endings a scenario can reach.
const (
	Positive Outcome = "positive"
	Mixed    Outcome = "mixed"
	Negative Outcome = "negative"
)

var outcomes = []string{string(Positive), string(Mixed), string(Negative)}

// Audiences are the audience values the format knows.
var Audiences = []string{"line-manager", "responder", "anyone"}

// Limits of the format (rule S11).
const (
	MaxNodes     = 500
	MaxChoices   = 10
	MaxRoutes    = 10 // entries of a routed goto
	MaxTextParts = 20 // parts of a node's text written as a list
	MaxTextRunes = 20000
	MaxFileBytes = 1 << 20
)

// slug is the form of scenario, module and node ids.
var slug = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Competency is one scoring dimension of a scenario.
type Competency struct {
	Key   string
	Label string

	// Where the key and the label are in the file, for the vocabulary
	// rule (S13), which is checked once the whole tree is read.
	keyPos, labelPos pos
}

// Scenario is a validated branching role-play.
type Scenario struct {
	ID             string
	Path           string // relative to the content root: scenarios/<id>.yaml
	Title          string
	Summary        string
	Audience       []string
	Minutes        int // 0 when not given
	ContentWarning string
	// Competencies and Variables are sorted by key: YAML mappings have no
	// order, so file order must not carry meaning (or change a version).
	Competencies []Competency
	Variables    []Variable
	// Disqualifying are the bool variables that must be false at every
	// positive ending the learner can reach (rule S13), sorted by name.
	Disqualifying []string
	Start         string
	Nodes         map[string]*Node
	NodeIDs       []string // in file order, for listings and graph views
	// Version is a hash of Canonical (and of Owner, when set); see
	// docs/content.md.
	Version   string
	Canonical []byte
	// Owner is the organisation whose own content this is (its id); empty
	// for the bundled library.
	Owner string

	nodesPos pos
	// disqPos is the `disqualifying` key, for the S13 problem of a
	// scenario with too many states to play through.
	disqPos pos
}

// Node is one situation in a scenario: a moment with choices, or an ending.
//
// Its text (for an ending, the debrief) may be written as a list of parts,
// some shown only when their `if` holds: what a learner sees there depends
// on the variables (State.Text). Text and HTML are what every learner at
// the node sees, the parts without `if`; Parts has all of it.
type Node struct {
	ID      string
	Speaker string // plain text, may be empty
	// Text is the Markdown of the parts without `if`, joined by blank
	// lines: the whole text when it is written as one.
	Text string
	// HTML is those parts rendered (each on its own), one after another.
	HTML template.HTML
	// Parts is the text in the parts it was written in, in order. Text
	// written as one Markdown text is one part without `if`.
	Parts   []*TextPart
	Ending  Outcome   // "" unless the node is an ending
	Choices []*Choice // empty on an ending

	pos pos
}

// TextPart is one part of a node's text: Markdown, shown only when If
// holds, or always when If is nil.
type TextPart struct {
	Index int        // 1-based position in the node's text list
	If    *Condition // nil when always shown
	Text  string     // Markdown
	HTML  template.HTML

	pos   pos // of the part (an `if` is reported at ifPos)
	ifPos pos
}

// Conditional reports whether the node's text has a part with an `if`, so
// that what it shows depends on the variables.
func (n *Node) Conditional() bool {
	for _, p := range n.Parts {
		if p.If != nil {
			return true
		}
	}
	return false
}

// IsEnding reports whether reaching the node finishes the scenario.
func (n *Node) IsEnding() bool { return n.Ending != "" }

// Line is the 1-based line of the node's id in its file, for linking a
// view of the scenario to an editor.
func (n *Node) Line() int { return n.pos.line }

// Choice is one option on a node.
type Choice struct {
	ID   int    // 1-based position on its node, stable within a version
	Text string // plain text
	// Goto is the node the choice leads to: a plain goto's, or the last
	// route's of a routed goto (taken when no other route's `if` holds).
	Goto string
	// Routes are the entries of a routed goto, in order, the last one
	// without `if` (its node is Goto); nil for a plain goto. The first
	// whose `if` holds, over the variables after the choice's `set`, is
	// where the choice leads.
	Routes       []*Route
	Feedback     string // Markdown, may be empty
	FeedbackHTML template.HTML
	Score        map[string]int // competency key -> delta
	Set          []Assignment   // sorted by variable name
	If           *Condition     // nil when always offered

	pos     pos
	gotoPos pos // of Goto
}

// Route is one entry of a routed goto.
type Route struct {
	Index int        // 1-based position in the goto list; 0 for a plain goto (see Targets)
	If    *Condition // nil on the last entry
	Node  string

	pos     pos // of the entry
	nodePos pos // of its node
	ifPos   pos // of its `if`
}

// Targets lists every way the choice can lead, in order: its Routes, or
// for a plain goto one Route (Index 0) without `if` to Goto. Graph views
// and the static graph rules follow every one of them.
func (c *Choice) Targets() []*Route {
	if len(c.Routes) > 0 {
		return c.Routes
	}
	return []*Route{{Node: c.Goto, pos: c.gotoPos, nodePos: c.gotoPos}}
}

// scenarioFields are the keys a scenario file may use.
var scenarioFields = []string{"id", "title", "summary", "audience", "minutes", "content_warning",
	"competencies", "variables", "disqualifying", "start", "nodes"}

var (
	nodeFields   = []string{"speaker", "text", "choices", "ending"}
	choiceFields = []string{"text", "goto", "feedback", "score", "set", "if"}
	partFields   = []string{"if", "text"}
	routeFields  = []string{"if", "node"}
)

// ParseScenario checks one scenario file against rules S1–S13 and returns
// it, or every problem found. path is the file's path relative to the
// content root (scenarios/<id>.yaml); the id must equal its base name.
func ParseScenario(path string, data []byte) (*Scenario, Errors) {
	s, errs := ParseDraft(path, data)
	if errs != nil {
		return nil, errs
	}
	return s, nil
}

// ParseDraft is ParseScenario for a scenario being written: along with
// every problem, it returns as much of the scenario as could be read, for
// a graph view of a draft. The partial Scenario has whatever parsed of
// the id, title, start and nodes (speaker, text and its parts, ending,
// choices with their text, goto and routes and `if` sources, even an `if`
// that does not compile);
// its Version and Canonical are empty, and it must not be played or put
// into a catalogue. The Scenario is nil only when nothing could be read:
// a YAML syntax error, a file that is not a mapping, or one over the size
// limit. Without errors, the result is ParseScenario's.
func ParseDraft(path string, data []byte) (*Scenario, Errors) {
	r := &report{path: path}
	s := parseScenario(r, path, data)
	if len(r.errs) > 0 {
		r.errs.sort()
		return s, r.errs
	}
	return s, nil
}

// parseScenario reads and checks a scenario file. It returns the scenario
// read so far even when there are errors (nil when the file is not a YAML
// mapping); only one without errors has a Version.
func parseScenario(r *report, file string, data []byte) *Scenario {
	w, f, ok := document(r, data, "S11", "S1", "the scenario", scenarioFields)
	if !ok {
		return nil
	}
	s := &Scenario{Path: file, Nodes: map[string]*Node{}}

	// S2 identity.
	s.ID = w.identity(f, "S2", strings.TrimSuffix(path.Base(file), path.Ext(file)), "the file name")

	s.Title = w.text(f, "title", "", "S10")
	if ft, ok := f["summary"]; !ok || ft.val == nil {
		r.add(filePos, "", "S1", "summary is missing")
	} else {
		s.Summary = w.text(f, "summary", "", "S10")
	}
	s.Audience = w.audience(f)
	s.Minutes = w.minutes(f, "minutes")
	s.ContentWarning = w.optText(f, "content_warning", "")
	s.Competencies = w.competencies(f)
	s.Variables = w.variables(f)
	s.Disqualifying = w.disqualifying(s, f)

	// Nodes come before start so that start can be checked against them.
	w.nodes(s, f)

	// S3 start.
	if fs, ok := f["start"]; !ok || fs.val == nil {
		r.add(filePos, "", "S3", "start is missing: name the first node")
	} else if st, ok := w.str(fs, ""); ok {
		st = cleanText(st)
		s.Start = st
		if _, ok := s.Nodes[st]; !ok {
			r.add(fs.valPos, "", "S3", "start %q names no node%s", st, suggest(st, s.NodeIDs))
		}
	}

	// S4 links, S5, S7, S8.
	checkGraph(r, s)
	if len(r.errs) > 0 {
		return s
	}
	// Only a scenario that passed every static rule is worth playing
	// through: its expressions are compiled and its graph is sound.
	checkStates(r, s)
	if len(r.errs) > 0 {
		return s
	}
	s.Canonical, s.Version = canonicalScenario(s)
	return s
}

// identity decodes the id field, which must be a slug equal to want, the
// name of the file's folder or of the file itself (as what says: "the
// folder name"); problems are reported under rule. It returns the id as
// written, "" when it is missing or not text.
func (w *walker) identity(f map[string]field, rule, want, what string) string {
	fid, ok := f["id"]
	if !ok || fid.val == nil {
		w.r.add(filePos, "", rule, "id is missing; it must be %q, %s", want, what)
		return ""
	}
	id, ok := w.str(fid, "")
	if !ok {
		return ""
	}
	switch {
	case !slug.MatchString(id):
		w.r.add(fid.valPos, "", rule, "id %q is not a slug (lower-case letters and digits joined by single hyphens)", id)
	case id != want:
		w.r.add(fid.valPos, "", rule, "id %q is not %s %q", id, what, want)
	}
	return id
}

// text decodes a required text field: empty is an error under rule.
func (w *walker) text(f map[string]field, key, where, rule string) string {
	ft, ok := f[key]
	var s string
	if ok {
		s, ok = w.str(ft, where)
		if !ok {
			return ""
		}
	}
	s = cleanText(s)
	if s == "" {
		p := filePos
		if ft.key != "" {
			p = ft.valPos
		}
		w.r.add(p, where, rule, "%s is empty", key)
		return ""
	}
	w.limit(ft, s, where)
	return s
}

// optText decodes an optional one-line text field.
func (w *walker) optText(f map[string]field, key, where string) string {
	ft, ok := f[key]
	if !ok {
		return ""
	}
	s, _ := w.str(ft, where)
	s = cleanText(s)
	w.limit(ft, s, where)
	return s
}

// itemText decodes a text field a list item must have: missing is reported
// at the item (at) as "<what> has no <key>", empty as "<key> is empty",
// both under rule.
func (w *walker) itemText(f map[string]field, key, where string, at pos, what, rule string) string {
	ft, ok := f[key]
	if !ok {
		w.r.add(at, where, rule, "%s has no %s", what, key)
		return ""
	}
	s := w.optText(f, key, where)
	if s == "" {
		w.r.add(ft.valPos, where, rule, "%s is empty", key)
	}
	return s
}

// markdownField decodes and renders a Markdown field. Raw HTML is refused
// under rule (S10 in scenarios, M5 in quiz feedback).
func (w *walker) markdownField(ft field, where, rule string) (string, template.HTML) {
	s, ok := w.str(ft, where)
	if !ok {
		return "", ""
	}
	s = cleanMarkdown(s)
	if s == "" {
		return "", ""
	}
	if !w.limit(ft, s, where) {
		return s, ""
	}
	out := renderMarkdown(s)
	if out.rawHTML != "" {
		w.r.add(ft.valPos, where, rule, "%s contains raw HTML (%s), which is never shown; use Markdown", ft.key, clip(out.rawHTML))
	}
	return s, out.html
}

// limit applies the S11 text limit (the module rules reuse it).
func (w *walker) limit(ft field, s, where string) bool {
	if n := runeLen(s); n > MaxTextRunes {
		// Scenarios have a rule for limits; in a module the limit is part
		// of the rule of the file being read.
		rule := "S11"
		if w.rule != "S1" {
			rule = w.rule
		}
		w.r.add(ft.valPos, where, rule, "%s is %d characters, over the limit of %d", ft.key, n, MaxTextRunes)
		return false
	}
	return true
}

func clip(s string) string {
	s = oneLine(s)
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

func (w *walker) audience(f map[string]field) []string {
	fa, ok := f["audience"]
	if !ok {
		return nil
	}
	values, ps := w.strList(fa, "")
	var out []string
	for i, a := range values {
		if !slices.Contains(Audiences, a) {
			w.r.add(ps[i], "", w.rule, "audience %q is not one of %s%s", a, strings.Join(Audiences, ", "), suggest(a, Audiences))
			continue
		}
		out = append(out, a)
	}
	return out
}

func (w *walker) minutes(f map[string]field, key string) int {
	fm, ok := f[key]
	if !ok || fm.val == nil {
		return 0
	}
	n, ok := w.integer(fm, "")
	if ok && n < 1 {
		w.r.add(fm.valPos, "", w.rule, "%s must be at least 1", key)
		return 0
	}
	return n
}

func (w *walker) competencies(f map[string]field) []Competency {
	var out []Competency
	for _, e := range w.mappingAt(f, "competencies") {
		label, ok := w.str(e, "")
		if !ok {
			continue
		}
		label = cleanText(label)
		if label == "" {
			w.r.add(e.valPos, "", "S10", "competency %q has an empty label", e.key)
			continue
		}
		w.limit(e, label, "")
		out = append(out, Competency{Key: e.key, Label: label, keyPos: e.keyPos, labelPos: e.valPos})
	}
	slices.SortFunc(out, func(a, b Competency) int { return strings.Compare(a.Key, b.Key) })
	return out
}

func (w *walker) variables(f map[string]field) []Variable {
	var out []Variable
	for _, e := range w.mappingAt(f, "variables") {
		var v Variable
		switch n := e.val.(type) {
		case *ast.IntegerNode:
			i, ok := w.integer(e, "")
			if !ok {
				continue
			}
			v = Variable{Name: e.key, Type: Int, Initial: i}
		case *ast.BoolNode:
			v = Variable{Name: e.key, Type: Bool, Initial: n.Value}
		default:
			w.r.add(e.valPos, "", "S1", "variable %q must start as a whole number or true/false, not %s", e.key, kindOf(e.val))
			continue
		}
		if msg := checkVarName(v.Name, v.Initial); msg != "" {
			w.r.add(e.keyPos, "", "S9", "%s", msg)
			continue
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b Variable) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// disqualifying decodes the list of disqualifying flags: each must be a
// declared bool variable (S9), listed once. The list is a set: it comes
// back sorted, so its order in the file changes nothing.
func (w *walker) disqualifying(s *Scenario, f map[string]field) []string {
	fd, ok := f["disqualifying"]
	if !ok || fd.val == nil {
		return nil
	}
	s.disqPos = fd.keyPos
	names := make([]string, len(s.Variables))
	for i, v := range s.Variables {
		names[i] = v.Name
	}
	values, ps := w.strList(fd, "")
	var out []string
	for i, name := range values {
		j := slices.Index(names, name)
		switch {
		case j < 0:
			w.r.add(ps[i], "", "S9", "disqualifying names undeclared variable %q%s", name, suggest(name, names))
		case s.Variables[j].Type != Bool:
			w.r.add(ps[i], "", "S9", "disqualifying names %q, a whole-number variable; a disqualifying flag must be true/false", name)
		case slices.Contains(out, name):
			w.r.add(ps[i], "", "S1", "disqualifying lists %q twice", name)
		default:
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func (w *walker) nodes(s *Scenario, f map[string]field) {
	fn, ok := f["nodes"]
	if !ok || fn.val == nil {
		w.r.add(filePos, "", "S1", "nodes is missing")
		return
	}
	s.nodesPos = fn.keyPos
	list, _ := w.mapping(fn.val, "", "nodes")
	if len(list) > MaxNodes {
		w.r.add(fn.keyPos, "", "S11", "%d nodes, over the limit of %d", len(list), MaxNodes)
	}
	for _, e := range list {
		where := nodeWhere(e.key)
		if !slug.MatchString(e.key) {
			w.r.add(e.keyPos, where, "S1", "node id %q is not a slug (lower-case letters and digits joined by single hyphens)", e.key)
		}
		n := &Node{ID: e.key, pos: e.keyPos}
		s.Nodes[e.key] = n
		s.NodeIDs = append(s.NodeIDs, e.key)
		w.node(s, n, e)
	}
}

func (w *walker) node(s *Scenario, n *Node, e field) {
	where := nodeWhere(n.ID)
	f, ok := w.fields(e.val, where, "a node", nodeFields...)
	if !ok {
		return
	}
	if e.val == nil {
		w.r.add(e.keyPos, where, "S10", "text is empty")
		w.r.add(e.keyPos, where, "S6", "the node has no choices and is not an ending")
		return
	}
	n.Speaker = w.optText(f, "speaker", where)
	ft, hasText := f["text"]
	if _, isList := ft.val.(*ast.SequenceNode); hasText && isList {
		w.textParts(s, n, ft)
	} else {
		if hasText {
			if text, html := w.markdownField(ft, where, "S10"); text != "" {
				n.Parts = []*TextPart{{Index: 1, Text: text, HTML: html, pos: ft.valPos}}
			}
		}
		if len(n.Parts) == 0 {
			p := e.keyPos
			if hasText {
				p = ft.valPos
			}
			w.r.add(p, where, "S10", "text is empty")
		}
	}
	n.Text, n.HTML = joinParts(n.Parts, func(p *TextPart) bool { return p.If == nil })
	if fe, ok := f["ending"]; ok && fe.val != nil {
		if v, ok := w.str(fe, where); ok {
			if slices.Contains(outcomes, v) {
				n.Ending = Outcome(v)
			} else {
				w.r.add(fe.valPos, where, "S6", "ending %q is not one of positive, mixed, negative%s", v, suggest(v, outcomes))
			}
		}
	}
	fc, hasChoices := f["choices"]
	items, _ := w.list(fc, where)
	isEnding := n.Ending != ""
	if fe, ok := f["ending"]; ok && fe.val != nil {
		// An unknown ending value is still meant as an ending: judging the
		// node's shape as one avoids a second, misleading error.
		isEnding = true
	}
	switch {
	case isEnding && len(items) > 0:
		w.r.add(fc.keyPos, where, "S6", "an ending has choices; remove them or remove ending")
	case !isEnding && len(items) == 0:
		p := e.keyPos
		if hasChoices {
			p = fc.keyPos
		}
		w.r.add(p, where, "S6", "the node has no choices and is not an ending")
	}
	if len(items) > MaxChoices {
		w.r.add(fc.keyPos, where, "S11", "%d choices, over the limit of %d", len(items), MaxChoices)
	}
	if isEnding {
		return
	}
	for i, it := range items {
		c := &Choice{ID: i + 1, pos: it.pos}
		n.Choices = append(n.Choices, c)
		w.choice(s, n, c, it)
	}
}

func (w *walker) choice(s *Scenario, n *Node, c *Choice, it item) {
	where := choiceWhere(n.ID, c.ID)
	f, ok := w.fields(it.n, where, "a choice", choiceFields...)
	if !ok {
		return
	}
	if it.n == nil {
		w.r.add(it.pos, where, "S10", "text is empty")
		w.r.add(it.pos, where, "S4", "the choice has no goto")
		return
	}
	if ft, ok := f["text"]; ok {
		c.Text = w.optText(f, "text", where)
		if c.Text == "" {
			w.r.add(ft.valPos, where, "S10", "text is empty")
		}
	} else {
		w.r.add(it.pos, where, "S10", "text is empty")
	}
	if fg, ok := f["goto"]; ok && fg.val != nil {
		if _, isList := fg.val.(*ast.SequenceNode); isList {
			w.routes(s, n, c, fg)
		} else {
			g, isText := w.str(fg, where)
			c.Goto = cleanText(g)
			c.gotoPos = fg.valPos
			if isText && c.Goto == "" {
				w.r.add(fg.valPos, where, "S4", "goto is empty: name the node this choice leads to")
			}
		}
	} else {
		w.r.add(it.pos, where, "S4", "the choice has no goto")
	}
	if ff, ok := f["feedback"]; ok {
		c.Feedback, c.FeedbackHTML = w.markdownField(ff, where, "S10")
	}
	if fs, ok := f["score"]; ok {
		list, _ := w.mapping(fs.val, where, "score")
		keys := make([]string, len(s.Competencies))
		for i, k := range s.Competencies {
			keys[i] = k.Key
		}
		for _, e := range list {
			d, ok := w.integer(e, where)
			if !ok {
				continue
			}
			if !slices.Contains(keys, e.key) {
				w.r.add(e.keyPos, where, "S9", "score %q is not a declared competency%s", e.key, suggest(e.key, keys))
				continue
			}
			if c.Score == nil {
				c.Score = map[string]int{}
			}
			c.Score[e.key] = d
		}
	}
	names := make([]string, len(s.Variables))
	for i, v := range s.Variables {
		names[i] = v.Name
	}
	if fs, ok := f["set"]; ok {
		list, _ := w.mapping(fs.val, where, "set")
		for _, e := range list {
			i := slices.Index(names, e.key)
			if i < 0 {
				w.r.add(e.keyPos, where, "S9", "set names undeclared variable %q%s", e.key, suggest(e.key, names))
				continue
			}
			src, ok := w.str(e, where)
			if !ok {
				continue
			}
			if e.val == nil {
				w.r.add(e.keyPos, where, "S9", "set %s has no expression", e.key)
				continue
			}
			v := s.Variables[i]
			program, canon, err := compileExpr(src, s.Variables, v.Type)
			if err != nil {
				w.r.add(e.valPos, where, exprRule(err), "set %s = %q %s", e.key, clip(src), err)
				continue
			}
			c.Set = append(c.Set, Assignment{Var: e.key, Source: src, canon: canon, program: program})
		}
		slices.SortFunc(c.Set, func(a, b Assignment) int { return strings.Compare(a.Var, b.Var) })
	}
	if fi, ok := f["if"]; ok {
		c.If = w.condition(s, fi, where)
	}
}

// condition compiles an `if` (of a choice, a route or a text part),
// reporting a problem under S9 (S11 for its length). An `if` that does
// not compile still gives a Condition, without a program, so a draft
// shows the thing as conditional; such a Condition never leaves
// ParseScenario. It returns nil for an `if` with no expression.
func (w *walker) condition(s *Scenario, fi field, where string) *Condition {
	src, ok := w.str(fi, where)
	switch {
	case !ok:
		return nil
	case fi.val == nil || strings.TrimSpace(src) == "":
		w.r.add(fi.keyPos, where, "S9", "if has no expression")
		return nil
	}
	program, canon, err := compileExpr(src, s.Variables, Bool)
	if err != nil {
		w.r.add(fi.valPos, where, exprRule(err), "if %q %s", clip(src), err)
		return &Condition{Source: src}
	}
	return &Condition{Source: src, canon: canon, program: program}
}

// textParts reads a node's text written as a list: each entry is Markdown,
// shown always, or a mapping {if, text}, shown when its `if` holds.
func (w *walker) textParts(s *Scenario, n *Node, ft field) {
	where := nodeWhere(n.ID)
	items, _ := w.list(ft, where)
	if len(items) == 0 {
		w.r.add(ft.valPos, where, "S10", "text is empty: an empty list")
		return
	}
	if len(items) > MaxTextParts {
		w.r.add(ft.keyPos, where, "S11", "%d text parts, over the limit of %d", len(items), MaxTextParts)
	}
	for i, it := range items {
		pw := partWhere(n.ID, i+1)
		p := &TextPart{Index: i + 1, pos: it.pos}
		at := it.pos
		switch it.n.(type) {
		case *ast.MappingNode, *ast.MappingValueNode:
			pf, _ := w.fields(it.n, pw, "a text part", partFields...)
			tf, ok := pf["text"]
			if !ok {
				w.r.add(it.pos, pw, "S10", "the part has no text")
				continue
			}
			at = tf.valPos
			p.Text, p.HTML = w.markdownField(tf, pw, "S10")
			if fi, ok := pf["if"]; ok {
				p.If, p.ifPos = w.condition(s, fi, pw), fi.valPos
			}
		case *ast.SequenceNode:
			w.r.add(it.pos, pw, w.rule, "a text part must be Markdown or a mapping with if and text, not a list")
			continue
		default:
			p.Text, p.HTML = w.markdownField(field{key: "text", val: it.n, valPos: it.pos}, pw, "S10")
		}
		if p.Text == "" {
			w.r.add(at, pw, "S10", "text is empty")
			continue
		}
		n.Parts = append(n.Parts, p)
	}
}

// routes reads a routed goto: a list of {if, node}, every entry but the
// last with an `if`, the last without. A list of one entry without `if`
// is a plain goto.
func (w *walker) routes(s *Scenario, n *Node, c *Choice, fg field) {
	where := choiceWhere(n.ID, c.ID)
	items, _ := w.list(fg, where)
	if len(items) == 0 {
		w.r.add(fg.valPos, where, "S4", "goto is an empty list: name the node this choice leads to")
		return
	}
	if len(items) > MaxRoutes {
		w.r.add(fg.keyPos, where, "S11", "%d routes, over the limit of %d", len(items), MaxRoutes)
	}
	routes := make([]*Route, 0, len(items))
	for i, it := range items {
		rw := routeWhere(n.ID, c.ID, i+1)
		r := &Route{Index: i + 1, pos: it.pos, nodePos: it.pos}
		routes = append(routes, r)
		last := i == len(items)-1
		switch it.n.(type) {
		case *ast.MappingNode, *ast.MappingValueNode:
		case nil:
			w.r.add(it.pos, rw, "S4", "the route is empty: write {if: ..., node: ...}")
			continue
		default:
			w.r.add(it.pos, rw, w.rule, "a route must be a mapping with if and node (e.g. {if: \"trust >= 2\", node: listen}), not %s", kindOf(it.n))
			continue
		}
		rf, _ := w.fields(it.n, rw, "a route", routeFields...)
		if fn, ok := rf["node"]; ok && fn.val != nil {
			g, isText := w.str(fn, rw)
			r.Node, r.nodePos = cleanText(g), fn.valPos
			if isText && r.Node == "" {
				w.r.add(fn.valPos, rw, "S4", "node is empty: name the node this route leads to")
			}
		} else {
			w.r.add(it.pos, rw, "S4", "the route has no node")
		}
		fi, hasIf := rf["if"]
		switch {
		case hasIf && last:
			w.r.add(fi.keyPos, rw, "S4", "the last route must have no if: it is where the choice leads when no other route's if holds")
		case hasIf:
			r.If, r.ifPos = w.condition(s, fi, rw), fi.valPos
		case !last:
			w.r.add(it.pos, rw, "S4", "only the last route may leave out if (this one would always be taken, and the routes after it never)")
		}
	}
	last := routes[len(routes)-1]
	c.Goto, c.gotoPos = last.Node, last.nodePos
	if len(routes) > 1 {
		c.Routes = routes
	}
}

// joinParts is the Markdown and the HTML of the parts keep accepts: the
// Markdown joined by blank lines, the HTML (each part rendered on its own)
// one after another.
func joinParts(parts []*TextPart, keep func(*TextPart) bool) (string, template.HTML) {
	var md []string
	var html strings.Builder
	for _, p := range parts {
		if keep(p) {
			md = append(md, p.Text)
			html.WriteString(string(p.HTML))
		}
	}
	return strings.Join(md, "\n\n"), template.HTML(html.String())
}
