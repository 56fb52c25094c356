package graphview

import (
	"context"
	"errors"

	"github.com/upstand/upstand/app/content"
)

// Drawer draws the graph of a scenario file — a draft, problems and all —
// with each node's box linking to "#node-<id>". The Renderer draws in this
// process; Command draws in a child process (see its comment for why the
// server uses it).
type Drawer interface {
	Draw(ctx context.Context, path string, source []byte) (Graph, error)
}

// ErrNoGraph means the file does not parse far enough to have nodes.
var ErrNoGraph = errors.New("graphview: the file does not parse far enough to draw")

// Draw parses the file as content.ParseDraft does and renders it.
func (r *Renderer) Draw(ctx context.Context, path string, source []byte) (Graph, error) {
	s, _ := content.ParseDraft(path, source)
	if s == nil {
		return Graph{}, ErrNoGraph
	}
	return r.Render(ctx, s, RenderOptions{})
}
