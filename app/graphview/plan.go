package graphview

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/upstand/upstand/app/content"
)

// The words the picture and the outline use for a node's problems, so that
// no problem is shown by colour alone.
const (
	ProblemUnreachable = "⚠ unreachable from start"
	ProblemTrap        = "⚠ trap: no ending ahead"
)

// Limits of the text drawn in the picture; the outline has it in full.
const (
	edgeLabelRunes = 40 // a choice's number and text, then "…"
	edgeLineRunes  = 22 // edge labels wrap at about this width
	idRunes        = 40 // a node id (or a missing goto) in a box
	speakerRunes   = 24 // a longer speaker is left out of the box
	tooltipRunes   = 200
)

// style is how one kind of box is drawn. Every text colour meets WCAG AA
// (4.5:1) on its fill, and every line colour 3:1 on the white page; the
// test checks the table.
type style struct {
	fill, text, line string
	penwidth         string
	dashed           bool
	peripheries      string // "2" draws a double border
}

var (
	styleNode        = style{fill: "#ffffff", text: "#000000", line: "#333333", penwidth: "1"}
	styleStart       = style{fill: "#ffffff", text: "#000000", line: "#000000", penwidth: "3"}
	styleProblem     = style{fill: "#f1e4f8", text: "#000000", line: "#6a1b9a", penwidth: "3", dashed: true}
	stylePlaceholder = style{fill: "#fdecea", text: "#8b0000", line: "#b71c1c", penwidth: "2", dashed: true}
	styleEnding      = map[content.Outcome]style{
		content.Positive: {fill: "#cdeccd", text: "#000000", line: "#1b5e20", penwidth: "1", peripheries: "2"},
		content.Mixed:    {fill: "#fbe7b5", text: "#000000", line: "#7a5200", penwidth: "1", peripheries: "2"},
		content.Negative: {fill: "#f7d4d4", text: "#000000", line: "#8e1b1b", penwidth: "1", peripheries: "2"},
	}
	// Edges: labels are black on the white page.
	edgeColour        = "#333333"
	edgeMissingColour = "#b71c1c"
	pageColour        = "#ffffff"
	edgeTextColour    = "#000000"
)

// attr is one Graphviz attribute. Labels and tooltips are Graphviz
// escStrings, in which a backslash starts an escape: author text goes
// through labelLines or tipLines.
type attr struct{ name, value string }

// plan is what Graphviz is asked to draw, built without calling it.
type plan struct {
	graph []attr
	nodes []planNode
	edges []planEdge
	// hrefs are the only link targets the picture may hold.
	hrefs map[string]bool
}

type planNode struct {
	name    string // the Graphviz node name: the node id, made unique and safe
	id      string // the scenario node id, or the goto a placeholder stands for
	missing bool   // a placeholder for a goto that names no node
	attrs   []attr
}

type planEdge struct {
	tail, head int // indexes into plan.nodes
	attrs      []attr
}

// dot writes the plan in the DOT language. Every name and value is
// quoted; inside quotes DOT gives meaning only to \" (a quote) and to a
// backslash before a line end, and a backslash pair stands for itself.
// Author text reaches here with its backslashes doubled (names, labels)
// or quadrupled (tooltips), and with no line ends, so quoting the quotes
// is all that is left to do.
//
// Attributes equal to the defaults (nodeDefaults, edgeDefaults) are left
// to them, which keeps the text short: see the memory note in the package
// comment.
func (p plan) dot() []byte {
	var b bytes.Buffer
	b.WriteString("digraph {\n")
	for _, a := range p.graph {
		fmt.Fprintf(&b, "  %s=%s;\n", a.name, quote(a.value))
	}
	fmt.Fprintf(&b, "  node%s;\n  edge%s;\n", attrList(nodeDefaults, nil), attrList(edgeDefaults, nil))
	for _, n := range p.nodes {
		fmt.Fprintf(&b, "  %s%s;\n", quote(n.name), attrList(n.attrs, nodeDefaults))
	}
	for _, e := range p.edges {
		fmt.Fprintf(&b, "  %s -> %s%s;\n", quote(p.nodes[e.tail].name), quote(p.nodes[e.head].name), attrList(e.attrs, edgeDefaults))
	}
	b.WriteString("}\n")
	return b.Bytes()
}

var (
	nodeDefaults = []attr{
		{"shape", "box"}, {"style", "rounded,filled"}, {"fillcolor", styleNode.fill},
		{"color", styleNode.line}, {"fontcolor", styleNode.text}, {"penwidth", styleNode.penwidth},
		{"fontname", "Helvetica"}, {"fontsize", "12"}, {"margin", "0.12,0.06"},
	}
	edgeDefaults = []attr{
		{"fontname", "Helvetica"}, {"fontsize", "10"}, {"fontcolor", edgeTextColour}, {"color", edgeColour},
	}
)

// attrList writes attrs as a DOT attribute list, leaving out those equal
// to one of defaults.
func attrList(attrs, defaults []attr) string {
	var parts []string
	for _, a := range attrs {
		if !slices.Contains(defaults, a) {
			parts = append(parts, a.name+"="+quote(a.value))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " [" + strings.Join(parts, ", ") + "]"
}

func quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

// kind is a node's kind in words: "start", "node", "ending: positive", or
// "start, ending: positive" for a start that is also an ending.
func kind(s *content.Scenario, n *content.Node) string {
	var parts []string
	if n.ID == s.Start {
		parts = append(parts, "start")
	}
	if n.IsEnding() {
		parts = append(parts, "ending: "+string(n.Ending))
	}
	if len(parts) == 0 {
		return "node"
	}
	return strings.Join(parts, ", ")
}

// build makes the plan and the outline of a scenario and its problems.
func build(s *content.Scenario, opts RenderOptions) (plan, []OutlineNode) {
	p := plan{hrefs: map[string]bool{}}
	p.graph = []attr{
		{"id", opts.ID}, // checked by Render: letters, digits, - and _
		{"rankdir", "TB"},
		// Edge labels already add a rank between every two; tighter
		// spacing keeps a 60-node graph about 1500 x 4100 units.
		{"ranksep", "0.35"},
		{"nodesep", "0.25"},
		{"fontname", "Helvetica"},
		{"bgcolor", pageColour},
		{"pad", "0.1"},
	}
	probs := s.GraphProblems()
	problems := map[string][]string{}
	for _, id := range probs.Unreachable {
		problems[id] = append(problems[id], ProblemUnreachable)
	}
	for _, id := range probs.Traps {
		problems[id] = append(problems[id], ProblemTrap)
	}
	type routeKey struct {
		node          string
		choice, route int
	}
	meant := map[routeKey]string{}
	meantGoto := map[string]string{} // the same goto always means the same node
	for _, m := range probs.Missing {
		meant[routeKey{m.Node, m.Choice, m.Route}] = m.Meant
		meantGoto[m.Goto] = m.Meant
	}

	names := map[string]bool{}
	index := map[string]int{} // scenario node id -> plan node
	outline := make([]OutlineNode, 0, len(s.NodeIDs))
	for _, id := range s.NodeIDs {
		n := s.Nodes[id]
		k := kind(s, n)
		st := styleNode
		if n.ID == s.Start {
			st = styleStart
		}
		if es, ok := styleEnding[n.Ending]; ok {
			st = es
		}
		if len(problems[id]) > 0 {
			// The problem colour, keeping an ending's double border.
			pst := styleProblem
			pst.peripheries = st.peripheries
			st = pst
		}
		if n.ID == s.Start {
			st.penwidth = styleStart.penwidth // also on an ending or a trap
		}
		lines := []string{clip(oneLine(id), idRunes)}
		if sp := oneLine(n.Speaker); sp != "" && runes(sp) <= speakerRunes {
			lines = append(lines, sp)
		}
		if k != "node" {
			lines = append(lines, k)
		}
		lines = append(lines, problems[id]...)
		tip := oneLine(id)
		if sp := oneLine(n.Speaker); sp != "" {
			tip += " (" + sp + ")"
		}
		if t := oneLine(nodeText(n)); t != "" {
			tip += ": " + t
		}
		attrs := boxAttrs(st, lines, clip(tip, tooltipRunes))
		href := nodeHref(opts, id)
		if href != "" {
			p.hrefs[href] = true
			// safeHref lets no backslash through: nothing to escape.
			attrs = append(attrs, attr{"URL", href})
		}
		index[id] = len(p.nodes)
		p.nodes = append(p.nodes, planNode{name: uniqueName(names, id), id: id, attrs: attrs})
		outline = append(outline, OutlineNode{
			ID: id, Line: n.Line(), Kind: k, Speaker: n.Speaker,
			Problems: problems[id],
		})
	}

	placeholders := map[string]int{} // missing goto -> plan node
	for i, id := range s.NodeIDs {
		n := s.Nodes[id]
		for _, c := range n.Choices {
			oc := OutlineChoice{Number: c.ID, Text: c.Text, Target: c.Goto}
			if c.If != nil {
				oc.Condition = c.If.Source
			}
			// One arrow per way the choice can lead: a routed goto draws
			// one for each route, labelled with its condition.
			for _, r := range c.Targets() {
				or := OutlineRoute{Number: r.Index, Target: r.Node}
				if r.If != nil {
					or.Condition = r.If.Source
				}
				head, ok := index[r.Node]
				if !ok {
					or.Missing = true
					or.Meant = meant[routeKey{id, c.ID, r.Index}]
					if head, ok = placeholders[r.Node]; !ok {
						head = len(p.nodes)
						placeholders[r.Node] = head
						p.nodes = append(p.nodes, placeholder(names, r.Node, meantGoto[r.Node]))
					}
				}
				if len(c.Routes) > 0 {
					oc.Routes = append(oc.Routes, or)
				} else {
					oc.Missing, oc.Meant = or.Missing, or.Meant
				}
				p.edges = append(p.edges, planEdge{tail: index[id], head: head, attrs: edgeAttrs(c, r, len(c.Routes), or.Missing)})
			}
			outline[i].Choices = append(outline[i].Choices, oc)
		}
	}
	return p, outline
}

func boxAttrs(st style, lines []string, tooltip string) []attr {
	styles := "rounded,filled"
	if st.dashed {
		styles += ",dashed"
	}
	a := []attr{
		{"shape", "box"},
		{"style", styles},
		{"fillcolor", st.fill},
		{"color", st.line},
		{"fontcolor", st.text},
		{"penwidth", st.penwidth},
		{"fontname", "Helvetica"},
		{"fontsize", "12"},
		{"margin", "0.12,0.06"},
		{"label", labelLines(lines)},
		{"tooltip", tipLines([]string{tooltip})},
	}
	if st.peripheries != "" {
		a = append(a, attr{"peripheries", st.peripheries})
	}
	return a
}

// placeholder is the red box a goto that names no node points to; meant
// is the node it most likely meant, "" if none.
func placeholder(names map[string]bool, target, meant string) planNode {
	short := clip(oneLine(target), idRunes)
	lines := []string{"missing: " + short}
	tip := "goto \"" + short + "\" names no node"
	if meant != "" {
		m := clip(oneLine(meant), idRunes)
		lines = append(lines, "did you mean "+m+"?")
		tip += " (did you mean \"" + m + "\"?)"
	}
	if target == "" {
		lines, tip = []string{"missing: no goto"}, "the choice has no goto"
	}
	return planNode{
		name:    uniqueName(names, "missing: "+target),
		id:      target,
		missing: true,
		attrs:   boxAttrs(stylePlaceholder, lines, tip),
	}
}

// edgeAttrs draws choice c's arrow by route r; routes is how many routes
// c's goto has (0 for a plain goto). A route's arrow says under the
// choice's text when it is taken: "→ if <condition>", or "→ otherwise"
// for the last.
func edgeAttrs(c *content.Choice, r *content.Route, routes int, missing bool) []attr {
	text := strconv.Itoa(c.ID) + ". " + oneLine(c.Text)
	tip := []string{clip(text, tooltipRunes)}
	if c.If != nil {
		tip = append(tip, clip("if: "+oneLine(c.If.Source), tooltipRunes))
	}
	lines := wrap(clip(text, edgeLabelRunes), edgeLineRunes)
	if routes > 0 {
		when := "otherwise"
		if r.If != nil {
			when = "if " + oneLine(r.If.Source)
		}
		tip = append(tip, clip(fmt.Sprintf("route %d of %d: %s", r.Index, routes, when), tooltipRunes))
		lines = append(lines, wrap(clip("→ "+when, edgeLabelRunes), edgeLineRunes)...)
	}
	colour := edgeColour
	if missing {
		colour = edgeMissingColour
	}
	a := []attr{
		{"label", labelLines(lines)},
		{"tooltip", tipLines(tip)},
		{"labeltooltip", tipLines(tip)},
		{"fontname", "Helvetica"},
		{"fontsize", "10"},
		{"fontcolor", edgeTextColour},
		{"color", colour},
	}
	if missing {
		a = append(a, attr{"penwidth", "1.5"})
	}
	if c.If != nil {
		a = append(a, attr{"style", "dashed"})
	}
	return a
}

// nodeHref is the link of a node's box: opts.NodeHref's, or "#node-<id>".
// A link that is not a plain relative, http or https URL is dropped, so
// author text can never become a javascript: link.
func nodeHref(opts RenderOptions, id string) string {
	if opts.NodeHref == nil {
		return "#node-" + fragment(id)
	}
	return safeHref(opts.NodeHref(id))
}

func safeHref(h string) string {
	if h == "" || strings.ContainsFunc(h, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("\"'<>\\`", r)
	}) {
		return ""
	}
	u, err := url.Parse(h)
	if err != nil {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "", "http", "https":
		return h
	}
	return ""
}

// fragment percent-encodes every byte of s but letters, digits and -._~,
// so any node id makes an inert URL fragment (a slug is left as it is).
func fragment(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && (unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c)) || strings.IndexByte("-._~", c) >= 0) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// uniqueName makes a Graphviz node name from s: control characters
// (which could end a C string early, or a DOT line) become spaces, a
// backslash is doubled (DOT keeps a pair as it is, and a pair can never
// quote the closing quote), a leading % (Graphviz's mark of an anonymous
// object) is kept off, and a name already taken gets a numbered suffix, so
// two nodes are never merged into one. A node id with a backslash thus
// shows two in the SVG's <title>; its label shows it as written.
func uniqueName(taken map[string]bool, s string) string {
	base := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	base = strings.ReplaceAll(base, `\`, `\\`)
	if strings.HasPrefix(base, "%") || base == "" {
		base = " " + base
	}
	name := base
	for i := 2; taken[name]; i++ {
		name = base + " (" + strconv.Itoa(i) + ")"
	}
	taken[name] = true
	return name
}

// oneLine collapses white space and control characters to single spaces.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
}

func runes(s string) int { return len([]rune(s)) }

// clip shortens s to at most n runes, ending in "…" when cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}

// wrap breaks s into lines of at most about width runes at spaces, as
// even in length as it can (no one-word last line); a longer word keeps a
// line of its own.
func wrap(s string, width int) []string {
	n := runes(s)
	k := (n + width - 1) / width // the fewest lines it can take
	if k > 1 {
		if lines := greedy(s, (n+k-1)/k+2); len(lines) <= k {
			return lines
		}
	}
	return greedy(s, width)
}

func greedy(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case runes(line)+1+runes(w) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}

// escText makes text literal in a Graphviz label: a backslash would
// otherwise start an escape such as \N (the node's name) or \n.
func escText(s string) string {
	return strings.ReplaceAll(s, `\`, `\\`)
}

// escTip makes text literal in a Graphviz tooltip. Graphviz 12 expands
// the escapes of a tooltip twice (a label's once), so a backslash must be
// doubled twice; the hostile-text test pins this down.
func escTip(s string) string {
	return strings.ReplaceAll(s, `\`, `\\\\`)
}

// labelLines joins lines of text into one centred Graphviz label.
func labelLines(lines []string) string { return joinLines(lines, escText) }

// tipLines joins lines of text into one Graphviz tooltip.
func tipLines(lines []string) string { return joinLines(lines, escTip) }

func joinLines(lines []string, esc func(string) string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = esc(l)
	}
	return strings.Join(out, `\n`)
}

// nodeText is a node's whole text for its tooltip: every part, a
// conditional one after "[if <condition>]".
func nodeText(n *content.Node) string {
	var parts []string
	for _, p := range n.Parts {
		if p.If != nil {
			parts = append(parts, "[if "+p.If.Source+"] "+p.Text)
		} else {
			parts = append(parts, p.Text)
		}
	}
	if len(parts) == 0 {
		return n.Text
	}
	return strings.Join(parts, " ")
}
