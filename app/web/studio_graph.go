package web

import (
	"errors"
	"fmt"
	"html/template"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/graphview"
)

// studioGraph draws the saved draft as a graph (server-rendered SVG, so it
// shows without JavaScript) with the same graph as nested lists beside it
// for screen-reader and keyboard users. Selecting a node's box opens the
// editor at that node.
func (s *Server) studioGraph(c *fiber.Ctx) error {
	it, err := s.itemParams(c)
	if err != nil {
		return err
	}
	if it.Kind != authoring.Scenario {
		return fiber.ErrNotFound
	}
	data := fiber.Map{"Title": "Graph of " + it.ID, "Tab": "graph",
		"Ed": editorView{Item: it, Kind: c.Params("kind"), URL: studioURL(it.Kind, it.ID)}}
	g, err := s.graph.Draw(c.UserContext(), it.Path(it.MainFile()), []byte(it.Files[it.MainFile()]))
	if errors.Is(err, graphview.ErrNoGraph) {
		data["NoGraph"] = true
		return s.render(c, "pages/studio_graph", data)
	}
	if err != nil {
		return err
	}
	data["Graph"] = g
	// Shown at its natural size, scrolling in its frame: scaled down to
	// the page, a big graph's text would be too small to read.
	// Each node's box links to "#node-<id>": in the editor, which puts
	// the cursor on that node.
	svg := strings.Replace(string(g.SVG), "<svg", fmt.Sprintf(`<svg width="%.0f" height="%.0f"`, g.Width, g.Height), 1)
	svg = strings.ReplaceAll(svg, `xlink:href="#node-`, `xlink:href="`+studioURL(it.Kind, it.ID)+`#node-`)
	data["SVG"] = template.HTML(svg)
	data["Problems"] = len(it.Problems)
	return s.render(c, "pages/studio_graph", data)
}
