package twine

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	yaml "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// encode writes the scenario as YAML with the keys in the format's order:
// id, title, summary, start, nodes; per node ending and text, or text and
// choices. goccy/go-yaml lays out the document; every value goes in as a
// placeholder and gets its style here, because the library's own choice of
// quoting misreads some text (a leading "? ", a tab, an indented first
// line). Multi-line text is a literal block (|) when it can be one; a value
// that is not obviously plain text is double-quoted.
func encode(sc *scenario) ([]byte, error) {
	var values []string
	val := func(s string) string {
		values = append(values, s)
		return placeholder(len(values) - 1)
	}
	nodes := make(yaml.MapSlice, 0, len(sc.nodes))
	for _, n := range sc.nodes {
		var m yaml.MapSlice
		if n.ending != "" {
			m = append(m, yaml.MapItem{Key: "ending", Value: val(string(n.ending))})
		}
		text := n.text
		if strings.Contains(text, "\n") {
			text += "\n" // "|" rather than "|-"
		}
		m = append(m, yaml.MapItem{Key: "text", Value: val(text)})
		if len(n.choices) > 0 {
			list := make([]yaml.MapSlice, len(n.choices))
			for i, c := range n.choices {
				list[i] = yaml.MapSlice{{Key: "text", Value: val(c.text)}, {Key: "goto", Value: val(c.target)}}
			}
			m = append(m, yaml.MapItem{Key: "choices", Value: list})
		}
		nodes = append(nodes, yaml.MapItem{Key: n.id, Value: m})
	}
	doc := yaml.MapSlice{
		{Key: "id", Value: val(sc.id)},
		{Key: "title", Value: val(sc.title)},
		{Key: "summary", Value: val(sc.summary)},
		{Key: "start", Value: val(sc.start)},
		{Key: "nodes", Value: nodes},
	}
	root, err := yaml.ValueToNode(doc, yaml.IndentSequence(true))
	if err != nil {
		return nil, err
	}
	st := &styler{values: values}
	ast.Walk(st, root)
	if st.set != len(values) {
		return nil, fmt.Errorf("%d of %d values placed", st.set, len(values))
	}
	// The library indents the empty lines of a literal block; the spaces
	// mean nothing there (no value has a line ending in white space, see
	// literal), so they are dropped rather than left trailing.
	lines := strings.Split(root.String(), "\n")
	for i, l := range lines {
		if strings.TrimLeft(l, " ") == "" {
			lines[i] = ""
		}
	}
	return []byte(strings.Join(lines, "\n") + "\n"), nil
}

// placeholder stands for value i until the styler puts it in. It is plain
// in YAML and never a node id (ids have no "_"), so it cannot be mistaken.
func placeholder(i int) string { return "v_" + strconv.Itoa(i) }

// styler replaces each placeholder with its value, in the style it needs.
type styler struct {
	values []string
	set    int
}

func (s *styler) Visit(n ast.Node) ast.Visitor {
	mv, ok := n.(*ast.MappingValueNode)
	if !ok {
		return s
	}
	sn, ok := mv.Value.(*ast.StringNode)
	if !ok || !strings.HasPrefix(sn.Value, "v_") {
		return s
	}
	i, err := strconv.Atoi(sn.Value[2:])
	if err != nil || i < 0 || i >= len(s.values) {
		return s
	}
	v := s.values[i]
	sn.Value = v
	sn.Token.Value = v
	sn.Token.Origin = v
	sn.Token.Type = token.StringType // plain, or a literal block when v has line breaks
	if !plain(v) && !literal(v) {
		sn.Token.Type = token.DoubleQuoteType
	}
	s.set++
	return s
}

// plain reports one-line text that reads back as itself unquoted: it starts
// with a letter, is no keyword YAML 1.1 or 1.2 reads as something else, and
// holds nothing that YAML gives a meaning to.
func plain(v string) bool {
	if v == "" || strings.ContainsAny(v, "\n\t") || !printable(v) || token.IsNeedQuoted(v) {
		return false
	}
	if first, _ := utf8.DecodeRuneInString(v); !unicode.IsLetter(first) {
		return false
	}
	switch strings.ToLower(v) {
	case "null", "true", "false", "yes", "no", "on", "off", "y", "n", "nan", "inf":
		return false
	}
	return !strings.HasSuffix(v, " ")
}

// literal reports multi-line text that a literal block holds as it is: the
// block's indentation is taken from its first line, so that must not start
// with white space; it ends with exactly one line break; and no line ends
// in white space (which would be invisible, and which encode trims).
func literal(v string) bool {
	return strings.Contains(v, "\n") && printable(v) &&
		v[0] != ' ' && v[0] != '\t' && v[0] != '\n' &&
		strings.HasSuffix(v, "\n") && !strings.HasSuffix(v, "\n\n") &&
		!strings.Contains(v, " \n") && !strings.Contains(v, "\t\n")
}

// printable reports text YAML can hold outside double quotes.
func printable(v string) bool {
	for _, r := range v {
		if unwanted(r) || r == '\u0085' || r == '\u2028' || r == '\u2029' || r == '\r' {
			return false
		}
	}
	return true
}
