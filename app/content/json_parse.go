//go:build js

package content

import "github.com/goccy/go-yaml/ast"

// parseFile, in the WebAssembly build (the engine in a package for another
// learning management system, app/lms), reads JSON only: all it is given
// is scenarios' canonical JSON, which is also YAML. Building the syntax
// tree from encoding/json keeps go-yaml's parser out of the build, about a
// tenth of its size; jsonTree makes the tree go-yaml's parser makes of the
// same JSON (TestJSONTreeIsTheYAMLTree), so the walker sees no difference.
func (w *walker) parseFile(data []byte) (*ast.File, bool) {
	n, err := jsonTree(data)
	if err != nil {
		w.r.add(filePos, "", w.rule, "JSON syntax: %s", oneLine(err.Error()))
		return nil, false
	}
	return &ast.File{Docs: []*ast.DocumentNode{{BaseNode: &ast.BaseNode{}, Body: n}}}, true
}
