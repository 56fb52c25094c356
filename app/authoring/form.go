package authoring

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	yaml "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// The form view's edits (docs/authoring.md, "The form view"): the common
// changes to a scenario — add a node, add a choice, set a choice's goto,
// feedback or score — made on the YAML syntax tree of the file as it is
// stored (goccy/go-yaml, the library the content loader reads it with)
// and printed back, so the rest of the file, comments included, stays as
// the author wrote it. The new values are laid out by the library's
// encoder; only their quoting is chosen here.

// The edits the form view offers.
const (
	EditAddNode   = "add-node"
	EditAddChoice = "add-choice"
	EditGoto      = "set-goto"
	EditFeedback  = "set-feedback"
	EditScore     = "set-score"
)

// Edit is one change to a scenario file. Which fields count depends on Op.
type Edit struct {
	Op string
	// Node is the node a choice is added to or edited on; Choice is the
	// choice's position on it, from 1.
	Node   string
	Choice int
	// ID, Ending ("" for a node with choices) and Speaker describe a new
	// node; Text is a new node's text (Markdown) or a new choice's (one line).
	ID, Ending, Speaker, Text string
	// Goto is the node a new or edited choice leads to.
	Goto string
	// Feedback is the choice's feedback (Markdown); empty removes it.
	Feedback string
	// Competency and Score set one entry of the choice's score.
	Competency, Score string
}

// Outline is a scenario file as the form view lists it: its nodes in file
// order, read from the same syntax tree the edits change.
type Outline struct {
	Nodes []OutlineNode
	// Competencies are the keys the file declares, in file order.
	Competencies []string
}

// OutlineNode is one node of an Outline.
type OutlineNode struct {
	ID, Speaker, Ending string
	// Text is the node's text; Parts counts its parts when it is written as
	// a list (then Text is empty).
	Text    string
	Parts   int
	Choices []OutlineChoice
}

// OutlineChoice is one choice of an OutlineNode.
type OutlineChoice struct {
	Text, Goto, Feedback string
	// Routes counts the routes of a routed goto (then Goto is empty).
	Routes int
	Score  []ScoreEntry
}

// ScoreEntry is one competency of a choice's score, as written.
type ScoreEntry struct {
	Key, Value string
}

// nodeID is the form of a node id (a slug, docs/content.md); maxIDLen
// keeps the form view's ids as short as the studio's scenario ids.
var nodeID = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

const maxIDLen = 80

// errNoYAML is the form view's answer for a file it cannot read as a
// scenario's mapping: the text view is where that gets fixed.
func errNoYAML(why string) error {
	return inputErr("", "The form view cannot change this file: "+why+". Fix it in the text view first.")
}

func inputErr(field, msg string) error { return fault.Input(field, msg) }

// ReadOutline lists a scenario file's nodes and choices for the form view.
func ReadOutline(source string) (Outline, error) {
	_, root, err := parseScenario(source)
	if err != nil {
		return Outline{}, err
	}
	var out Outline
	if _, mv := lookup(root, "competencies"); mv != nil {
		if m, ok := unwrap(mv.Value).(*ast.MappingNode); ok {
			for _, c := range m.Values {
				out.Competencies = append(out.Competencies, keyOf(c))
			}
		}
	}
	nodes, err := nodesOf(root)
	if err != nil {
		return Outline{}, err
	}
	for _, nv := range nodes.Values {
		n := OutlineNode{ID: keyOf(nv)}
		m, ok := unwrap(nv.Value).(*ast.MappingNode)
		if !ok {
			out.Nodes = append(out.Nodes, n)
			continue
		}
		n.Speaker = scalarOf(m, "speaker")
		n.Ending = scalarOf(m, "ending")
		if _, t := lookup(m, "text"); t != nil {
			if s, ok := unwrap(t.Value).(*ast.SequenceNode); ok {
				n.Parts = len(s.Values)
			} else {
				n.Text = scalar(t.Value)
			}
		}
		if _, cv := lookup(m, "choices"); cv != nil {
			if s, ok := unwrap(cv.Value).(*ast.SequenceNode); ok {
				for _, c := range s.Values {
					n.Choices = append(n.Choices, outlineChoice(c))
				}
			}
		}
		out.Nodes = append(out.Nodes, n)
	}
	return out, nil
}

func outlineChoice(n ast.Node) OutlineChoice {
	m, ok := unwrap(n).(*ast.MappingNode)
	if !ok {
		return OutlineChoice{}
	}
	c := OutlineChoice{Text: scalarOf(m, "text"), Feedback: scalarOf(m, "feedback")}
	if _, g := lookup(m, "goto"); g != nil {
		if s, ok := unwrap(g.Value).(*ast.SequenceNode); ok {
			c.Routes = len(s.Values)
		} else {
			c.Goto = scalar(g.Value)
		}
	}
	if _, sv := lookup(m, "score"); sv != nil {
		if sm, ok := unwrap(sv.Value).(*ast.MappingNode); ok {
			for _, e := range sm.Values {
				c.Score = append(c.Score, ScoreEntry{Key: keyOf(e), Value: scalar(e.Value)})
			}
		}
	}
	return c
}

// ApplyEdit makes one edit to a scenario file and returns the new file.
// vocab is the competency vocabulary a score may draw on, beside the
// competencies the file declares. An input of the wrong shape is a
// fault.Invalid naming the form field, and the file is not changed.
func ApplyEdit(source string, e Edit, vocab *content.Vocabulary) (string, error) {
	f, root, err := parseScenario(source)
	if err != nil {
		return "", err
	}
	nodes, err := nodesOf(root)
	if err != nil {
		return "", err
	}
	switch e.Op {
	case EditAddNode:
		err = addNode(nodes, e)
	case EditAddChoice:
		err = addChoice(nodes, e)
	case EditGoto, EditFeedback, EditScore:
		var choice *ast.MappingNode
		choice, err = findChoice(nodes, e.Node, e.Choice)
		if err != nil {
			return "", err
		}
		switch e.Op {
		case EditGoto:
			err = setGoto(nodes, choice, e.Goto)
		case EditFeedback:
			err = setFeedback(choice, e.Feedback)
		default:
			err = setScore(root, choice, e.Competency, e.Score, vocab)
		}
	default:
		return "", inputErr("", "Choose an edit to make.")
	}
	if err != nil {
		return "", err
	}
	return strings.TrimRight(f.String(), "\n") + "\n", nil
}

// parseScenario parses a scenario file, comments and all, and returns its
// top-level mapping.
func parseScenario(source string) (*ast.File, *ast.MappingNode, error) {
	f, err := parser.ParseBytes([]byte(source), parser.ParseComments)
	if err != nil {
		return nil, nil, errNoYAML("its YAML does not parse (or repeats a key)")
	}
	var bodies []ast.Node
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			bodies = append(bodies, d.Body)
		}
	}
	if len(bodies) != 1 {
		return nil, nil, errNoYAML("it is not one YAML document")
	}
	root, ok := unwrap(bodies[0]).(*ast.MappingNode)
	if !ok {
		return nil, nil, errNoYAML("it is not a mapping of fields")
	}
	return f, root, nil
}

// nodesOf is the file's nodes mapping.
func nodesOf(root *ast.MappingNode) (*ast.MappingNode, error) {
	_, mv := lookup(root, "nodes")
	if mv == nil {
		return nil, errNoYAML("it has no nodes")
	}
	m, ok := unwrap(mv.Value).(*ast.MappingNode)
	if !ok {
		return nil, errNoYAML("its nodes are not a mapping of node ids to nodes")
	}
	return m, nil
}

// lookup finds key in a mapping: its index and entry, or -1 and nil.
func lookup(m *ast.MappingNode, key string) (int, *ast.MappingValueNode) {
	for i, mv := range m.Values {
		if keyOf(mv) == key {
			return i, mv
		}
	}
	return -1, nil
}

// keyOf is a mapping entry's key as text ("" for a complex key).
func keyOf(mv *ast.MappingValueNode) string {
	k, ok := mv.Key.(ast.ScalarNode)
	if !ok {
		return ""
	}
	return fmt.Sprint(k.GetValue())
}

// unwrap strips an anchor (the format allows them) from a value.
func unwrap(n ast.Node) ast.Node {
	for {
		a, ok := n.(*ast.AnchorNode)
		if !ok {
			return n
		}
		n = a.Value
	}
}

// scalar is a scalar value as text; "" for null or anything else.
func scalar(n ast.Node) string {
	switch v := unwrap(n).(type) {
	case *ast.StringNode:
		return v.Value
	case *ast.LiteralNode:
		if v.Value != nil {
			return v.Value.Value
		}
	case *ast.NullNode, nil:
	case ast.ScalarNode:
		return fmt.Sprint(v.GetValue())
	}
	return ""
}

func scalarOf(m *ast.MappingNode, key string) string {
	if _, mv := lookup(m, key); mv != nil {
		return scalar(mv.Value)
	}
	return ""
}

// nodeMapping is the node id's mapping, or a refusal on field.
func nodeMapping(nodes *ast.MappingNode, id, field string) (*ast.MappingNode, error) {
	_, mv := lookup(nodes, id)
	if mv == nil || id == "" {
		return nil, inputErr(field, fmt.Sprintf("There is no node %q in this scenario: choose one from the list.", id))
	}
	m, ok := unwrap(mv.Value).(*ast.MappingNode)
	if !ok {
		return nil, inputErr(field, fmt.Sprintf("Node %q is not written as a mapping of fields: change it in the text view.", id))
	}
	return m, nil
}

// choicesOf is a node's choices list, or nil when it has none yet.
func choicesOf(node *ast.MappingNode, id string) (*ast.SequenceNode, error) {
	_, mv := lookup(node, "choices")
	if mv == nil {
		return nil, nil
	}
	switch v := unwrap(mv.Value).(type) {
	case *ast.SequenceNode:
		return v, nil
	case *ast.NullNode:
		return nil, nil
	}
	return nil, inputErr("", fmt.Sprintf("The choices of node %q are not written as a list: change them in the text view.", id))
}

// findChoice is choice number n (from 1) of node id.
func findChoice(nodes *ast.MappingNode, id string, n int) (*ast.MappingNode, error) {
	node, err := nodeMapping(nodes, id, "edit-choice")
	if err != nil {
		return nil, err
	}
	list, err := choicesOf(node, id)
	if err != nil {
		return nil, err
	}
	if list == nil || n < 1 || n > len(list.Values) {
		return nil, inputErr("edit-choice", fmt.Sprintf("Node %q has no choice %d: choose one from the list.", id, n))
	}
	c, ok := unwrap(list.Values[n-1]).(*ast.MappingNode)
	if !ok {
		return nil, inputErr("edit-choice", fmt.Sprintf("Choice %d of node %q is not written as a mapping of fields: change it in the text view.", n, id))
	}
	return c, nil
}

// Endings are the kinds of ending a node may be.
var Endings = []string{string(content.Positive), string(content.Mixed), string(content.Negative)}

func addNode(nodes *ast.MappingNode, e Edit) error {
	id := strings.TrimSpace(e.ID)
	if !nodeID.MatchString(id) || len(id) > maxIDLen {
		return inputErr("node-id", "Give the node an id of lower-case letters and digits joined by single hyphens, like “asks-for-help” (at most 80 characters).")
	}
	if _, mv := lookup(nodes, id); mv != nil {
		return inputErr("node-id", fmt.Sprintf("There is already a node %q: choose another id.", id))
	}
	if len(nodes.Values) >= content.MaxNodes {
		return inputErr("node-id", fmt.Sprintf("A scenario has at most %d nodes.", content.MaxNodes))
	}
	ending := e.Ending
	if ending != "" && !contains(Endings, ending) {
		return inputErr("node-ending", "Choose a node with choices, or an ending: positive, mixed or negative.")
	}
	speaker, err := line(e.Speaker, "node-speaker", "The speaker", false)
	if err != nil {
		return err
	}
	text, err := markdown(e.Text, "node-text", "The text", true)
	if err != nil {
		return err
	}
	var fields yaml.MapSlice
	if ending != "" {
		fields = append(fields, yaml.MapItem{Key: "ending", Value: ending})
	}
	if speaker != "" {
		fields = append(fields, yaml.MapItem{Key: "speaker", Value: speaker})
	}
	// A trailing line break makes the text a literal block (|), as the
	// library writes node text.
	fields = append(fields, yaml.MapItem{Key: "text", Value: text + "\n"})
	n, err := build(yaml.MapSlice{{Key: id, Value: fields}}, nodes.IsFlowStyle)
	if err != nil {
		return err
	}
	nodes.Merge(n.(*ast.MappingNode))
	return nil
}

func addChoice(nodes *ast.MappingNode, e Edit) error {
	node, err := nodeMapping(nodes, e.Node, "choice-node")
	if err != nil {
		return err
	}
	if scalarOf(node, "ending") != "" {
		return inputErr("choice-node", fmt.Sprintf("Node %q is an ending: an ending has no choices.", e.Node))
	}
	list, err := choicesOf(node, e.Node)
	if err != nil {
		return err
	}
	if list != nil && len(list.Values) >= content.MaxChoices {
		return inputErr("choice-node", fmt.Sprintf("Node %q already has %d choices, the most a node may have.", e.Node, content.MaxChoices))
	}
	text, err := line(e.Text, "choice-text", "The choice’s text", true)
	if err != nil {
		return err
	}
	if err := targetExists(nodes, e.Goto, "choice-goto"); err != nil {
		return err
	}
	choice := yaml.MapSlice{{Key: "text", Value: text}, {Key: "goto", Value: e.Goto}}
	if list != nil {
		seq, err := build([]yaml.MapSlice{choice}, list.IsFlowStyle)
		if err != nil {
			return err
		}
		list.Merge(seq.(*ast.SequenceNode))
		return nil
	}
	return set(node, "choices", []yaml.MapSlice{choice})
}

func targetExists(nodes *ast.MappingNode, id, field string) error {
	if _, mv := lookup(nodes, id); mv == nil || id == "" {
		return inputErr(field, fmt.Sprintf("There is no node %q in this scenario: choose where the choice leads from the list.", id))
	}
	return nil
}

func setGoto(nodes, choice *ast.MappingNode, target string) error {
	if err := targetExists(nodes, target, "goto"); err != nil {
		return err
	}
	if _, mv := lookup(choice, "goto"); mv != nil {
		if _, routed := unwrap(mv.Value).(*ast.SequenceNode); routed {
			return inputErr("goto", "This choice’s goto is routed by conditions: change its routes in the text view.")
		}
	}
	return set(choice, "goto", target)
}

func setFeedback(choice *ast.MappingNode, feedback string) error {
	text, err := markdown(feedback, "feedback", "The feedback", false)
	if err != nil {
		return err
	}
	if text == "" {
		if i, _ := lookup(choice, "feedback"); i >= 0 {
			choice.Values = append(choice.Values[:i], choice.Values[i+1:]...)
		}
		return nil
	}
	if strings.Contains(text, "\n") {
		text += "\n"
	}
	return set(choice, "feedback", text)
}

func setScore(root, choice *ast.MappingNode, key, value string, vocab *content.Vocabulary) error {
	declared := map[string]bool{}
	var competencies *ast.MappingNode
	if _, mv := lookup(root, "competencies"); mv != nil {
		m, ok := unwrap(mv.Value).(*ast.MappingNode)
		if !ok {
			return errNoYAML("its competencies are not a mapping of keys to labels")
		}
		competencies = m
		for _, c := range m.Values {
			declared[keyOf(c)] = true
		}
	}
	def, inVocab := vocab.Lookup(key)
	if !declared[key] && !inVocab {
		return inputErr("score-competency", fmt.Sprintf("%q is not a competency of the vocabulary or of this scenario: choose one from the list.", key))
	}
	n, err := strconv.Atoi(strings.TrimSpace(value))
	if err != nil {
		return inputErr("score-value", "The score must be a whole number, like 1, 0 or -1.")
	}
	if _, mv := lookup(choice, "score"); mv != nil {
		m, ok := unwrap(mv.Value).(*ast.MappingNode)
		if !ok {
			return inputErr("score-value", "This choice’s score is not written as a mapping: change it in the text view.")
		}
		if err := set(m, key, n); err != nil {
			return err
		}
	} else if err := setFlow(choice, "score", yaml.MapSlice{{Key: key, Value: n}}); err != nil {
		return err
	}
	if declared[key] {
		return nil
	}
	// A key from the vocabulary the scenario does not declare yet is
	// declared with the vocabulary's label (rule S9 asks for it, S13 for
	// that label).
	if competencies != nil {
		return set(competencies, key, def.Label)
	}
	m, err := build(yaml.MapSlice{{Key: "competencies", Value: yaml.MapSlice{{Key: key, Value: def.Label}}}}, root.IsFlowStyle)
	if err != nil {
		return err
	}
	entry := m.(*ast.MappingNode).Values[0]
	// Beside the scenario's other top-level fields, before start and nodes.
	at := len(root.Values)
	for _, k := range []string{"nodes", "start"} {
		if i, _ := lookup(root, k); i >= 0 && i < at {
			at = i
		}
	}
	entry.AddColumn(root.Values[0].Key.GetToken().Position.Column - entry.Key.GetToken().Position.Column)
	root.Values = append(root.Values[:at], append([]*ast.MappingValueNode{entry}, root.Values[at:]...)...)
	return nil
}

// set gives key the value v in mapping m: in place of its old value
// (keeping the entry's comments), or as a new last entry.
func set(m *ast.MappingNode, key string, v any) error {
	return setStyled(m, key, v, false)
}

// setFlow is set with a new mapping or list value written in flow style
// ({listening: 1}), as the library writes scores.
func setFlow(m *ast.MappingNode, key string, v any) error {
	return setStyled(m, key, v, true)
}

func setStyled(m *ast.MappingNode, key string, v any, flowValue bool) error {
	n, err := build(yaml.MapSlice{{Key: key, Value: v}}, m.IsFlowStyle)
	if err != nil {
		return err
	}
	entry := n.(*ast.MappingNode).Values[0]
	if flowValue {
		if vm, ok := entry.Value.(*ast.MappingNode); ok {
			vm.SetIsFlowStyle(true)
		}
	}
	_, old := lookup(m, key)
	if old == nil {
		m.Merge(n.(*ast.MappingNode))
		return nil
	}
	// The new value is laid out for a key where the old key is.
	entry.AddColumn(old.Key.GetToken().Position.Column - entry.Key.GetToken().Position.Column)
	if c := old.Value.GetComment(); c != nil {
		if err := entry.Value.SetComment(c); err != nil {
			return err
		}
	}
	old.Value = entry.Value
	return nil
}

// build turns a value into YAML nodes with the library's encoder, then
// quotes each text: ids and ending kinds plain where YAML reads them back
// as the same text, other text double-quoted, or as a literal block (|)
// when it spans lines and one holds it exactly (never inside flow style).
func build(v any, flow bool) (ast.Node, error) {
	n, err := yaml.ValueToNode(v, yaml.IndentSequence(true))
	if err != nil {
		return nil, fmt.Errorf("authoring: lay out an edit: %w", err)
	}
	if flow {
		switch m := n.(type) {
		case *ast.MappingNode:
			m.SetIsFlowStyle(true)
		case *ast.SequenceNode:
			m.SetIsFlowStyle(true)
		}
	}
	ast.Walk(&quoter{flow: flow}, n)
	return n, nil
}

// quoter gives each text value of an edit its quoting.
type quoter struct{ flow bool }

func (q *quoter) Visit(n ast.Node) ast.Visitor {
	mv, ok := n.(*ast.MappingValueNode)
	if !ok {
		return q
	}
	if mv.IsFlowStyle {
		q = &quoter{flow: true}
	}
	sn, ok := mv.Value.(*ast.StringNode)
	if !ok {
		return q
	}
	// The encoder hands over text it quoted in Go's way; take it back.
	v := sn.Value
	if strings.HasPrefix(v, `"`) {
		if u, err := strconv.Unquote(v); err == nil {
			v = u
		}
	}
	sn.Value, sn.Token.Value, sn.Token.Origin = v, v, v
	switch key := keyOf(mv); {
	case key == "goto" || key == "ending":
		sn.Token.Type = token.StringType
		if !plainID(v) {
			sn.Token.Type = token.DoubleQuoteType
		}
	case strings.Contains(v, "\n") && !q.flow && literal(v):
		sn.Token.Type = token.StringType // printed as a literal block
	default:
		sn.Token.Type = token.DoubleQuoteType
	}
	return q
}

// plainID reports an id YAML reads back unquoted as the same text (not a
// number, true/false or null).
func plainID(v string) bool {
	if v == "" || token.IsNeedQuoted(v) || token.ToNumber(v) != nil {
		return false
	}
	return token.New(v, v, &token.Position{}).Type == token.StringType
}

// literal reports text a literal block holds exactly: the block takes its
// indentation from the first line, so that must not start with white
// space; it ends with one line break; no line ends in white space; and it
// has no character YAML only writes escaped.
func literal(v string) bool {
	if v[0] == ' ' || v[0] == '\t' || v[0] == '\n' || !strings.HasSuffix(v, "\n") ||
		strings.HasSuffix(v, "\n\n") || strings.Contains(v, " \n") || strings.Contains(v, "\t\n") {
		return false
	}
	for _, r := range v {
		if r != '\n' && r != '\t' && (unicode.IsControl(r) || r == '\u0085' || r == '\u2028' || r == '\u2029' || r == '\ufeff') {
			return false
		}
	}
	return true
}

// line is one line of plain text from a form: trimmed, required or not,
// at most the format's text limit.
func line(s, field, what string, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if err := textOK(s, field, what, required); err != nil {
		return "", err
	}
	if strings.ContainsAny(s, "\r\n") {
		return "", inputErr(field, what+" must be one line.")
	}
	return s, nil
}

// markdown is Markdown text from a form: line ends as in files, white
// space trimmed at the end of each line and of the text.
func markdown(s, field, what string, required bool) (string, error) {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	s = strings.Trim(strings.Join(lines, "\n"), "\n")
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	return s, textOK(s, field, what, required)
}

func textOK(s, field, what string, required bool) error {
	if !utf8.ValidString(s) {
		return inputErr(field, what+" is not valid UTF-8 text.")
	}
	if required && s == "" {
		return inputErr(field, what+" is required.")
	}
	if n := utf8.RuneCountInString(s); n > content.MaxTextRunes {
		return inputErr(field, fmt.Sprintf("%s is %d characters; at most %d are allowed.", what, n, content.MaxTextRunes))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// EditScenario makes one form-view edit to a scenario draft at revision
// from and saves it as the next revision through Save (the same limits
// and the same refusal of a draft someone else saved meanwhile).
func (s *Service) EditScenario(ctx context.Context, a org.Actor, id string, from int, e Edit) (store.Authored, error) {
	it, err := s.Get(ctx, a, Scenario, id)
	if err != nil {
		return store.Authored{}, err
	}
	if it.Revision != from {
		return store.Authored{}, ErrStale
	}
	name := it.MainFile()
	text, err := ApplyEdit(it.Files[name], e, s.cats.Library().Vocabulary)
	if err != nil {
		return store.Authored{}, err
	}
	files := make(map[string]string, len(it.Files))
	for k, v := range it.Files {
		files[k] = v
	}
	files[name] = text
	return s.Save(ctx, a, Scenario, id, from, files)
}
