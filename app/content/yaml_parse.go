//go:build !js

package content

import (
	"errors"

	yaml "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// parseFile parses YAML text, reporting a syntax error with its line and
// column. (In the WebAssembly build, which reads only canonical JSON,
// json_parse.go's parseFile stands in for it.)
func (w *walker) parseFile(data []byte) (*ast.File, bool) {
	// Duplicate keys are allowed through the parser and reported by the
	// walker, so that they do not hide the file's other problems.
	f, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) && ye.GetToken() != nil {
			tp := ye.GetToken().Position
			w.r.add(pos{tp.Line, tp.Column}, "", w.rule, "YAML syntax: %s", oneLine(ye.GetMessage()))
		} else {
			w.r.add(filePos, "", w.rule, "YAML syntax: %s", oneLine(err.Error()))
		}
		return nil, false
	}
	return f, true
}
