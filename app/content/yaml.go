package content

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// The content is decoded by walking the YAML syntax tree by hand rather than
// with yaml.Unmarshal: a decoder stops at the first problem, while authors
// need every problem of a file, each with the line and column it is at.

// field is one key of a YAML mapping.
type field struct {
	key    string
	keyPos pos
	val    ast.Node // nil when the value is null or missing
	valPos pos
}

// walker decodes YAML nodes, reporting shape problems (wrong types, unknown
// or duplicate keys) under the file's syntax rule, S1 or M1.
type walker struct {
	r    *report
	rule string
}

// maxAliasReports is how many aliases a file's problems list one by one.
const maxAliasReports = 10

// parseYAML parses one YAML document. It reports a syntax error, an empty
// file or several documents and returns false.
func (w *walker) parseYAML(data []byte) (ast.Node, bool) {
	data = normalizeNewlines(data)
	f, ok := w.parseFile(data)
	if !ok {
		return nil, false
	}
	var docs []*ast.DocumentNode
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			docs = append(docs, d)
		}
	}
	if len(docs) == 0 {
		w.r.add(filePos, "", w.rule, "the file is empty")
		return nil, false
	}
	if len(docs) > 1 {
		w.r.add(posOf(docs[1].Body), "", w.rule, "the file holds more than one YAML document")
		return nil, false
	}
	// Aliases are refused wherever they are, under unknown keys too: one
	// that is never walked could still make the file a "billion laughs".
	aliases := ast.Filter(ast.AliasType, docs[0].Body)
	for i, a := range aliases {
		if i == maxAliasReports {
			w.r.add(posOf(a), "", w.rule, "%s (and %d more aliases after this one)", aliasMsg, len(aliases)-i-1)
			break
		}
		w.r.add(posOf(a), "", w.rule, aliasMsg)
	}
	return docs[0].Body, true
}

// normalizeNewlines drops a byte-order mark and turns CRLF into LF, so files
// saved by Windows editors decode (and hash) like any other.
func normalizeNewlines(data []byte) []byte {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if bytes.IndexByte(data, '\r') >= 0 {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	}
	return data
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func posOf(n ast.Node) pos {
	if n == nil {
		return filePos
	}
	switch v := n.(type) {
	case *ast.MappingNode:
		// A block mapping's own token is the first colon; its first key is
		// where an author looks.
		if !v.IsFlowStyle && len(v.Values) > 0 {
			return posOf(v.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return posOf(v.Key)
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return filePos
	}
	return pos{tk.Position.Line, tk.Position.Column}
}

// unwrap strips anchors and reports the YAML features the format does not
// use. It returns nil for null.
func (w *walker) unwrap(n ast.Node, where string) ast.Node {
	for {
		switch v := n.(type) {
		case nil, *ast.NullNode:
			return nil
		case *ast.AnchorNode:
			n = v.Value
		case *ast.AliasNode:
			// Aliases would let a small file expand into a huge one; content
			// is written out in full instead. parseYAML reported it.
			return nil
		case *ast.TagNode:
			w.r.add(posOf(n), where, w.rule, "YAML tags (%s) are not supported", v.Start.Value)
			return nil
		case *ast.MergeKeyNode:
			w.r.add(posOf(n), where, w.rule, "YAML merge keys (<<) are not supported")
			return nil
		default:
			return n
		}
	}
}

// kindOf names a YAML node's type the way an author would say it.
func kindOf(n ast.Node) string {
	switch n.(type) {
	case *ast.StringNode, *ast.LiteralNode:
		return "text"
	case *ast.IntegerNode:
		return "a whole number"
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a decimal number"
	case *ast.BoolNode:
		return "true/false"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case nil, *ast.NullNode:
		return "empty"
	}
	return "an unsupported YAML value"
}

// mapping returns the fields of a mapping node in file order, reporting a
// node of another type, keys that are not plain scalars and duplicate keys.
// Null values come back as fields with a nil val.
func (w *walker) mapping(n ast.Node, where, what string) ([]field, bool) {
	n = w.unwrap(n, where)
	var values []*ast.MappingValueNode
	switch v := n.(type) {
	case *ast.MappingNode:
		values = v.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{v}
	case nil:
		return nil, true
	default:
		w.r.add(posOf(n), where, w.rule, "%s must be a mapping (key: value lines), not %s", what, kindOf(n))
		return nil, false
	}
	fields := make([]field, 0, len(values))
	seen := make(map[string]pos, len(values))
	for _, mv := range values {
		kp := posOf(mv.Key)
		var key string
		switch k := mv.Key.(type) {
		case *ast.StringNode:
			key = k.Value
		case *ast.IntegerNode, *ast.BoolNode, *ast.FloatNode:
			key = k.GetToken().Value
		case *ast.MergeKeyNode:
			w.r.add(kp, where, w.rule, "YAML merge keys (<<) are not supported")
			continue
		default:
			w.r.add(kp, where, w.rule, "keys in %s must be plain names", what)
			continue
		}
		if first, dup := seen[key]; dup {
			w.r.add(kp, where, w.rule, "duplicate key %q (first at line %d)", key, first.line)
			continue
		}
		seen[key] = kp
		val := w.unwrap(mv.Value, where)
		vp := kp
		if val != nil {
			vp = posOf(val)
		}
		fields = append(fields, field{key: key, keyPos: kp, val: val, valPos: vp})
	}
	return fields, true
}

// fields decodes a mapping whose keys must be among allowed, reporting
// unknown keys with a suggestion. The result is keyed by field name.
func (w *walker) fields(n ast.Node, where, what string, allowed ...string) (map[string]field, bool) {
	list, ok := w.mapping(n, where, what)
	out := make(map[string]field, len(list))
	for _, f := range list {
		known := false
		for _, a := range allowed {
			if a == f.key {
				known = true
				break
			}
		}
		if !known {
			w.r.add(f.keyPos, where, w.rule, "unknown field %q in %s%s", f.key, what, suggest(f.key, allowed))
			continue
		}
		out[f.key] = f
	}
	return out, ok
}

// document reads a content file's top-level mapping, whose keys must be
// among allowed: a file over MaxFileBytes is reported under sizeRule,
// anything else amiss under rule, the walker's; what names the document in
// messages ("the module").
func document(r *report, data []byte, sizeRule, rule, what string, allowed []string) (*walker, map[string]field, bool) {
	if len(data) > MaxFileBytes {
		r.add(filePos, "", sizeRule, "the file is %d bytes, over the limit of %d (1 MiB)", len(data), MaxFileBytes)
		return nil, nil, false
	}
	w := &walker{r: r, rule: rule}
	root, ok := w.parseYAML(data)
	if !ok {
		return nil, nil, false
	}
	f, ok := w.fields(root, "", what, allowed...)
	if !ok {
		return nil, nil, false
	}
	return w, f, true
}

// mappingAt decodes the optional top-level mapping field key (nil when
// absent) as mapping does.
func (w *walker) mappingAt(f map[string]field, key string) []field {
	fm, ok := f[key]
	if !ok {
		return nil
	}
	list, _ := w.mapping(fm.val, "", key)
	return list
}

// str decodes a scalar as text. Numbers and booleans are taken as the text
// the author typed, so `title: 1984` is the title "1984".
func (w *walker) str(f field, where string) (string, bool) {
	switch v := f.val.(type) {
	case nil:
		return "", true
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value == nil {
			return "", true
		}
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return v.GetToken().Value, true
	}
	w.r.add(f.valPos, where, w.rule, "%s must be text, not %s", f.key, kindOf(f.val))
	return "", false
}

// integer decodes a whole number.
func (w *walker) integer(f field, where string) (int, bool) {
	if v, ok := f.val.(*ast.IntegerNode); ok {
		switch n := v.Value.(type) {
		case int64:
			return int(n), true
		case uint64:
			if n <= math.MaxInt64 {
				return int(n), true
			}
		}
		w.r.add(f.valPos, where, w.rule, "%s is too large", f.key)
		return 0, false
	}
	w.r.add(f.valPos, where, w.rule, "%s must be a whole number, not %s", f.key, kindOf(f.val))
	return 0, false
}

// boolean decodes true or false.
func (w *walker) boolean(f field, where string) (bool, bool) {
	if v, ok := f.val.(*ast.BoolNode); ok {
		return v.Value, true
	}
	w.r.add(f.valPos, where, w.rule, "%s must be true or false, not %s", f.key, kindOf(f.val))
	return false, false
}

// item is one entry of a YAML list.
type item struct {
	n   ast.Node // nil for a null entry
	pos pos
}

// list decodes a sequence. A single scalar where a list is expected is a
// type error rather than a one-item list: the contract's examples are lists.
func (w *walker) list(f field, where string) ([]item, bool) {
	switch v := f.val.(type) {
	case nil:
		return nil, true
	case *ast.SequenceNode:
		items := make([]item, 0, len(v.Values))
		for _, x := range v.Values {
			p := posOf(x)
			items = append(items, item{n: w.unwrap(x, where), pos: p})
		}
		return items, true
	}
	w.r.add(f.valPos, where, w.rule, "%s must be a list, not %s", f.key, kindOf(f.val))
	return nil, false
}

// strList decodes a list of text items.
func (w *walker) strList(f field, where string) ([]string, []pos) {
	items, _ := w.list(f, where)
	var out []string
	var ps []pos
	for i, it := range items {
		s, ok := w.str(field{key: fmt.Sprintf("%s item %d", f.key, i+1), val: it.n, valPos: it.pos}, where)
		if ok {
			out = append(out, s)
			ps = append(ps, it.pos)
		}
	}
	return out, ps
}
