// Package graphview draws a scenario's goto graph for authors: an SVG laid
// out on the server by Graphviz's dot (goccy/go-graphviz, Graphviz compiled
// to WebAssembly and run by wazero: no cgo, nothing to install), the node
// rectangles of that layout, and an outline that says the same in words.
//
// It draws drafts too (content.ParseDraft), problems and all: a node start
// cannot reach, or one with no ending ahead (a trap), is drawn with a
// dashed purple border and says so in its box ("⚠ unreachable from
// start"); a choice whose goto names no node points to a red "missing:
// <name>" box. Endings are coloured by outcome and labelled by it
// ("ending: positive"); the start has a bold border and says "start".
// Colour is never the only sign. Choices are arrows labelled with their
// number and text (cut at 40 characters); a choice with an `if` is dashed
// and carries the condition in its tooltip. A choice whose goto is routed
// (it leads by state to one of several nodes) draws one arrow per route,
// labelled under the choice's text with when it is taken ("→ if
// <condition>", "→ otherwise" for the last), and the outline lists the
// routes. A node's tooltip has its whole text, a part shown only under a
// condition marked "[if <condition>]".
//
// Every box links to the editor: RenderOptions.NodeHref gives its link
// (by default "#node-<id>", for the page's script to map to the node's
// line; content.Node.Line has it). A link that is not relative, http or
// https is dropped, so author text never becomes a javascript: link; all
// author text in labels and tooltips is escaped by Graphviz's SVG writer.
//
// The SVG is made to be inlined in a page: no XML prolog or doctype, no
// fixed width and height (its viewBox stays, so CSS scales it),
// role="img" and aria-labelledby pointing at a <title> that sums the
// graph up. Colours are presentation attributes, not style="" (which a
// strict CSP would block). The outline is the text alternative.
//
// Graphviz runs as one WebAssembly instance per process, compiled when the
// package is first loaded (go-graphviz does it in its init: about 1.5 s
// the first time on a machine, 0.1–0.2 s once the compiled code is cached
// under $TMPDIR/go-graphviz; the process is about 25 MB bigger). That
// instance is not safe for concurrent use, so every call into it is
// serialised here by one lock, and it must not be interrupted: Render
// checks its context before it starts, never during.
//
// Memory: go-graphviz v0.2.10 never frees the texts it passes into the
// instance or gets out of it (the DOT text of the graph, the SVG, the
// layout), so every render that runs Graphviz keeps about their size for
// the life of the process: about 250 KB for 60 nodes, mostly the SVG. The
// DOT text is kept short and positions come from the small plain format
// for that reason, and the last drawings are kept by their DOT text, so
// drawing the same graph again costs nothing. Renderer.Leaked counts the
// bytes kept.
package graphview

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"html/template"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/goccy/go-graphviz/cgraph"
	"github.com/goccy/go-graphviz/gvc"

	"github.com/upstand/upstand/app/content"
)

var htmlID = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)

// wasmMu serialises every call into go-graphviz. The library keeps one
// WebAssembly instance and its callback tables in package variables, shared
// by every Renderer, and neither is safe for concurrent use: the lock has
// to be as global as they are.
var wasmMu sync.Mutex

// Renderer draws scenario graphs. Make one per process with New: it holds
// a Graphviz context in the WebAssembly instance. It is safe for concurrent
// use; renders run one at a time.
type Renderer struct {
	gv *gvc.Context
	// drawn keeps the last few drawings by their DOT text, guarded by
	// wasmMu: drawing the same graph again (a reload, a second viewer)
	// then neither runs Graphviz nor adds to its leak.
	drawn map[[sha256.Size]byte]drawing
	order [][sha256.Size]byte // oldest first

	leaked atomic.Int64
}

// Leaked is about how many bytes of WebAssembly memory go-graphviz has
// kept, never to free, for this Renderer's renders (see the package
// comment): a figure to watch, as it only grows.
func (r *Renderer) Leaked() int64 { return r.leaked.Load() }

// drawing is Graphviz's output for one graph.
type drawing struct{ svg, layout []byte }

// drawnMax bounds the drawings kept: each is the size of its SVG, about
// 170 KB for 60 nodes.
const drawnMax = 16

// New prepares Graphviz for rendering.
func New(ctx context.Context) (*Renderer, error) {
	wasmMu.Lock()
	defer wasmMu.Unlock()
	gv, err := gvc.New(context.WithoutCancel(ctx))
	if err != nil {
		return nil, fmt.Errorf("graphview: start graphviz: %w", err)
	}
	return &Renderer{gv: gv, drawn: map[[sha256.Size]byte]drawing{}}, nil
}

// Close frees the Graphviz context; the Renderer must not be used after.
// The WebAssembly instance itself lives as long as the process.
func (r *Renderer) Close() error {
	wasmMu.Lock()
	defer wasmMu.Unlock()
	return r.gv.Close()
}

// RenderOptions adjust a render; the zero value is fine.
type RenderOptions struct {
	// NodeHref gives the link of a node's box from the node id. Nil links
	// to "#node-<id>" (the id percent-encoded where it is not a slug). A
	// link that is empty, or not a relative, http or https URL, or that
	// holds spaces, quotes, < > or a backslash, leaves the box unlinked.
	NodeHref func(id string) string
	// ID names the SVG's elements so that they are unique on the page: the
	// graph is ID, its title ID-title, nodes and edges ID_node1, ID_edge1...
	// Default "scenario-graph".
	ID string
}

// Graph is a rendered scenario graph.
type Graph struct {
	// SVG is ready to be inlined in an HTML page (see the package comment).
	SVG template.HTML
	// Width and Height are the SVG's natural size (its viewBox), in CSS
	// pixels: text is 10–12px at that size. A page may scale a small
	// graph to fit, but should show a large one at about this size and
	// let it scroll, or the text becomes too small to read.
	Width, Height float64
	// Outline is the text alternative: every node in file order, with its
	// choices and their targets.
	Outline []OutlineNode
	// Boxes are the node rectangles of the layout, in the SVG's viewBox
	// units: the scenario's nodes in file order, then the missing-goto
	// placeholders.
	Boxes []Box
}

// OutlineNode is one node of the outline.
type OutlineNode struct {
	ID      string
	Line    int    // of the node's id in the file, 0 if unknown
	Kind    string // "start", "node", "ending: positive", "start, ending: mixed", ...
	Speaker string
	// Problems are ProblemUnreachable and ProblemTrap, as they apply.
	Problems []string
	Choices  []OutlineChoice
}

// OutlineChoice is one choice of an outline node.
type OutlineChoice struct {
	Number int    // 1-based position on the node
	Text   string // in full
	// Target is the goto as written, "" when the choice has none; for a
	// routed goto, its last route's node (Routes has them all).
	Target    string
	Condition string // the `if` as written; "" when always offered
	// Missing is set when Target names no node (or there is no goto);
	// Meant is then the node it most likely meant, "" if none is close.
	// For a routed goto they are set on each of Routes instead.
	Missing bool
	Meant   string
	// Routes are the routes of a routed goto, in order; nil for a plain
	// goto.
	Routes []OutlineRoute `json:",omitempty"`
}

// OutlineRoute is one route of a routed goto.
type OutlineRoute struct {
	Number    int    // 1-based position in the goto list
	Target    string // the node as written; "" when the route has none
	Condition string // the `if` as written; "" on the last route ("otherwise")
	Missing   bool   // Target names no node
	Meant     string // the node Target most likely meant, "" if none is close
}

// Box is one node's rectangle, with X and Y its top-left corner.
type Box struct {
	Node string // the node id; for a placeholder, the goto that names no node
	// Missing marks a placeholder for a goto that names no node.
	Missing    bool
	X, Y, W, H float64
}

// Render lays out and draws s, which may be a partial draft from
// content.ParseDraft. ctx is checked before the work starts; once
// Graphviz runs it runs to the end (under a second for 500 nodes), because
// cancelling the WebAssembly call midway would break the instance for the
// rest of the process.
func (r *Renderer) Render(ctx context.Context, s *content.Scenario, opts RenderOptions) (Graph, error) {
	if s == nil {
		return Graph{}, errors.New("graphview: no scenario to render")
	}
	if opts.ID == "" {
		opts.ID = "scenario-graph"
	}
	if !htmlID.MatchString(opts.ID) {
		return Graph{}, fmt.Errorf("graphview: ID %q must be a letter then letters, digits, - or _", opts.ID)
	}
	p, outline := build(s, opts)
	svg, layout, err := r.draw(ctx, p)
	if err != nil {
		return Graph{}, err
	}
	out, frame, err := inline(svg, opts.ID, title(s, outline, p), p.hrefs)
	if err != nil {
		return Graph{}, err
	}
	boxes, err := boxesOf(layout, p, frame)
	if err != nil {
		return Graph{}, err
	}
	return Graph{SVG: template.HTML(out), Width: frame.w, Height: frame.h, Outline: outline, Boxes: boxes}, nil
}

// draw runs Graphviz on the plan: one dot layout, written as SVG and in
// Graphviz's plain text format (for the node positions: a tenth of the
// size of -Tjson0, see the memory note in the package comment).
func (r *Renderer) draw(ctx context.Context, p plan) (svg, layout []byte, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	wasmMu.Lock()
	defer wasmMu.Unlock()
	if err := ctx.Err(); err != nil { // while waiting for the lock
		return nil, nil, err
	}
	dot := p.dot()
	key := sha256.Sum256(dot)
	if d, ok := r.drawn[key]; ok {
		return d.svg, d.layout, nil
	}
	defer func() {
		if err == nil {
			r.keep(key, drawing{svg, layout})
			r.leaked.Add(int64(len(dot) + len(svg) + len(layout)))
		}
	}()
	wctx := context.WithoutCancel(ctx)

	// One call into the WebAssembly instance for the whole graph: setting
	// attributes one by one through the API costs a call each, and made a
	// 60-node render several times slower.
	g, err := cgraph.ParseBytes(dot)
	if err != nil {
		return nil, nil, fmt.Errorf("graphview: read graph: %w", err)
	}
	defer func() {
		if cerr := g.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("graphview: close graph: %w", cerr)
		}
	}()
	if err := r.gv.Layout(wctx, g, "dot"); err != nil {
		return nil, nil, fmt.Errorf("graphview: layout: %w", err)
	}
	defer func() {
		if ferr := r.gv.FreeLayout(wctx, g); ferr != nil && err == nil {
			err = fmt.Errorf("graphview: free layout: %w", ferr)
		}
	}()
	var sb, jb strings.Builder
	if err := r.gv.RenderData(wctx, g, "svg", &sb); err != nil {
		return nil, nil, fmt.Errorf("graphview: render svg: %w", err)
	}
	if err := r.gv.RenderData(wctx, g, "plain", &jb); err != nil {
		return nil, nil, fmt.Errorf("graphview: render plain: %w", err)
	}
	return []byte(sb.String()), []byte(jb.String()), nil
}

// keep remembers a drawing, forgetting the oldest past drawnMax. The
// caller holds wasmMu.
func (r *Renderer) keep(key [sha256.Size]byte, d drawing) {
	if len(r.order) == drawnMax {
		delete(r.drawn, r.order[0])
		r.order = r.order[1:]
	}
	r.drawn[key] = d
	r.order = append(r.order, key)
}

// title sums the graph up for the SVG's <title>, which names the image
// for screen readers (the outline gives the detail).
func title(s *content.Scenario, outline []OutlineNode, p plan) string {
	name := s.Title
	if name == "" {
		name = s.ID
	}
	endings, unreachable, traps, missing, choices := 0, 0, 0, 0, 0
	for _, n := range outline {
		choices += len(n.Choices)
		if strings.Contains(n.Kind, "ending") {
			endings++
		}
		for _, pr := range n.Problems {
			switch pr {
			case ProblemUnreachable:
				unreachable++
			case ProblemTrap:
				traps++
			}
		}
		for _, c := range n.Choices {
			if c.Missing {
				missing++
			}
			for _, r := range c.Routes {
				if r.Missing {
					missing++
				}
			}
		}
	}
	t := fmt.Sprintf("Graph of the scenario “%s”: %s, %s, %s", name,
		count(len(outline), "node", "nodes"), count(endings, "ending", "endings"), count(choices, "choice", "choices"))
	if len(p.edges) != choices {
		t += fmt.Sprintf(" (%s: routed gotos draw one per route)", count(len(p.edges), "arrow", "arrows"))
	}
	var probs []string
	if unreachable > 0 {
		probs = append(probs, fmt.Sprintf("%d unreachable", unreachable))
	}
	if traps > 0 {
		probs = append(probs, count(traps, "trap", "traps"))
	}
	if missing > 0 {
		probs = append(probs, count(missing, "choice going nowhere", "choices going nowhere"))
	}
	if len(probs) > 0 {
		t += "; problems: " + strings.Join(probs, ", ")
	}
	return t + "."
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
