package content

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// jsonTree builds, from one JSON value, the syntax tree go-yaml's parser
// makes of the same text (JSON is YAML): flow mappings and sequences,
// double-quoted strings, and numbers, booleans and null as go-yaml's
// token.New reads them. Keys keep their order and duplicates, for the
// walker to report as it does in YAML. Positions are line and column.
// Used by the WebAssembly build (json_parse.go); tested everywhere.
func jsonTree(data []byte) (ast.Node, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	b := treeBuilder{d: d, lines: lineStarts(data)}
	n, err := b.value()
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("more than one JSON value")
	}
	return n, nil
}

type treeBuilder struct {
	d     *json.Decoder
	lines []int // the offset each line starts at
}

// at is the position of the next token: go-yaml counts lines and
// columns from 1.
func (b *treeBuilder) at() *token.Position {
	off := int(b.d.InputOffset())
	// The offset is where the last token ended; the next begins after
	// any white space, a comma or a colon. Positions only place
	// messages, so the end of the last token is near enough.
	line := sort.Search(len(b.lines), func(i int) bool { return b.lines[i] > off })
	return &token.Position{Line: line, Column: off - b.lines[line-1] + 1, Offset: off}
}

func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

func (b *treeBuilder) value() (ast.Node, error) {
	p := b.at()
	t, err := b.d.Token()
	if err == io.EOF {
		return nil, errors.New("no JSON value")
	}
	if err != nil {
		return nil, err
	}
	return b.node(t, p)
}

func (b *treeBuilder) node(t json.Token, p *token.Position) (ast.Node, error) {
	switch v := t.(type) {
	case json.Delim:
		switch v {
		case '{':
			m := ast.Mapping(token.MappingStart("{", p), true)
			for b.d.More() {
				kp := b.at()
				kt, err := b.d.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("a key that is not a string at line %d, column %d", kp.Line, kp.Column)
				}
				val, err := b.value()
				if err != nil {
					return nil, err
				}
				m.Values = append(m.Values, ast.MappingValue(token.MappingValue(kp), str(key, kp), val))
			}
			if _, err := b.d.Token(); err != nil { // }
				return nil, err
			}
			return m, nil
		case '[':
			s := ast.Sequence(token.SequenceStart("[", p), true)
			for b.d.More() {
				n, err := b.value()
				if err != nil {
					return nil, err
				}
				s.Values = append(s.Values, n)
			}
			if _, err := b.d.Token(); err != nil { // ]
				return nil, err
			}
			return s, nil
		}
	case string:
		return str(v, p), nil
	case json.Number:
		tk := token.New(v.String(), v.String(), p)
		switch tk.Type {
		case token.IntegerType, token.BinaryIntegerType, token.OctetIntegerType, token.HexIntegerType:
			return ast.Integer(tk), nil
		case token.FloatType:
			return ast.Float(tk), nil
		}
		// go-yaml takes a number it does not read as one (1e3) as text.
		return ast.String(tk), nil
	case bool:
		lit := "false"
		if v {
			lit = "true"
		}
		return ast.Bool(token.New(lit, lit, p)), nil
	case nil:
		return ast.Null(token.New("null", "null", p)), nil
	}
	return nil, fmt.Errorf("unexpected %v at line %d, column %d", t, p.Line, p.Column)
}

// str is a double-quoted string, as go-yaml reads "…".
func str(s string, p *token.Position) *ast.StringNode {
	return ast.String(token.DoubleQuote(s, s, p))
}
