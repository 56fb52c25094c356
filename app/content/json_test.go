package content

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// TestJSONTreeIsTheYAMLTree: for every bundled scenario's and module's
// canonical JSON, and for JSON with every kind of value, jsonTree (the
// WebAssembly build's reader) makes the tree go-yaml's parser makes, node
// for node: the same types, keys in the same order, the same values and
// the same token text, which is all the walker reads.
func TestJSONTreeIsTheYAMLTree(t *testing.T) {
	cat, err := Load(os.DirFS("../.."))
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string][]byte{
		"kinds": []byte(`{"s":"a \"quoted\" é \u00e9 \u003cb\u003e \ud83d\ude00 \\ \/ \n\t","i":42,"neg":-7,"zero":0,"big":18446744073709551615,` +
			`"f":1.5,"e":1e3,"t":true,"n":false,"z":null,"l":[1,"two",[],{}],"m":{"dup":1,"dup":2},"":"empty key",` +
			`"yes":"yes","num":"12","nested":{"a":[{"b":[null,true]}]}}`),
		"pretty": []byte("{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {\"c\": \"d\"}\n}\n"),
		"list":   []byte(`[1, 2, 3]`),
		"scalar": []byte(`"only text"`),
	}
	for _, s := range cat.Scenarios {
		docs["scenario "+s.ID] = s.Canonical
	}
	for _, m := range cat.Modules {
		docs["module "+m.ID] = m.Canonical
	}
	for name, data := range docs {
		f, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
		if err != nil {
			t.Fatalf("%s: go-yaml: %v", name, err)
		}
		got, err := jsonTree(data)
		if err != nil {
			t.Fatalf("%s: jsonTree: %v", name, err)
		}
		if want, got := dumpTree(f.Docs[0].Body), dumpTree(got); want != got {
			t.Errorf("%s: the trees differ:\ngo-yaml  %.2000s\njsonTree %.2000s", name, want, got)
		}
	}
	for _, bad := range []string{``, `{`, `{"a":}`, `[1,]`, `{"a":1} {"b":2}`, `{1:2}`, `nope`} {
		if _, err := jsonTree([]byte(bad)); err == nil {
			t.Errorf("jsonTree(%q): no error", bad)
		}
	}
}

// dumpTree writes out what the walker reads of a tree.
func dumpTree(n ast.Node) string {
	var b strings.Builder
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		switch v := n.(type) {
		case *ast.MappingNode:
			b.WriteString("{")
			for _, mv := range v.Values {
				walk(mv.Key)
				b.WriteString(": ")
				walk(mv.Value)
				b.WriteString(", ")
			}
			b.WriteString("}")
		case *ast.SequenceNode:
			b.WriteString("[")
			for _, x := range v.Values {
				walk(x)
				b.WriteString(", ")
			}
			b.WriteString("]")
		case *ast.StringNode:
			fmt.Fprintf(&b, "string %q", v.Value)
		case *ast.IntegerNode:
			fmt.Fprintf(&b, "int %T %v %q", v.Value, v.Value, v.GetToken().Value)
		case *ast.FloatNode:
			fmt.Fprintf(&b, "float %v %q", v.Value, v.GetToken().Value)
		case *ast.BoolNode:
			fmt.Fprintf(&b, "bool %v %q", v.Value, v.GetToken().Value)
		case *ast.NullNode:
			b.WriteString("null")
		default:
			fmt.Fprintf(&b, "%T", n)
		}
	}
	walk(n)
	return b.String()
}
