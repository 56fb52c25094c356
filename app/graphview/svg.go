package graphview

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
)

// Graphviz's SVG is a well-known shape: a prolog, a doctype and comments,
// then <svg width="…pt" height="…pt" viewBox="…" xmlns…>, then the graph's
// group with its transform. inline makes the few edits that shape needs,
// by hand: re-encoding the whole document with encoding/xml would mangle
// the xlink namespace for nothing.
var (
	sizeAttr  = regexp.MustCompile(`\s(?:width|height)="[^"]*"`)
	viewBox   = regexp.MustCompile(`viewBox="0\.00 0\.00 ([0-9.]+) ([0-9.]+)"`)
	transform = regexp.MustCompile(`<g id="[^"]*" class="graph" transform="scale\(1 1\) rotate\(0\) translate\(([-0-9.]+) ([-0-9.]+)\)">`)
	hrefAttr  = regexp.MustCompile(`href="([^"]*)"`)
)

// svgFrame is where Graphviz put the drawing: the translation it applies
// to layout coordinates (x + tx, ty - y) and the viewBox's size.
type svgFrame struct{ tx, ty, w, h float64 }

// inline turns Graphviz's SVG document into an element to put in a page
// (see the package comment), and returns its frame. It fails if the SVG
// holds a link that is not one of hrefs, the links the plan made.
func inline(svg []byte, id, title string, hrefs map[string]bool) (string, svgFrame, error) {
	var f svgFrame
	start := bytes.Index(svg, []byte("<svg"))
	if start < 0 {
		return "", f, errors.New("graphview: graphviz wrote no <svg>")
	}
	svg = svg[start:]
	end := bytes.IndexByte(svg, '>')
	if end < 0 {
		return "", f, errors.New("graphview: graphviz wrote an unfinished <svg>")
	}
	vb := viewBox.FindSubmatch(svg[:end])
	if vb == nil {
		return "", f, errors.New("graphview: graphviz wrote no viewBox")
	}
	var b strings.Builder
	b.Grow(len(svg) + 200)
	b.Write(sizeAttr.ReplaceAll(svg[:end], nil))
	fmt.Fprintf(&b, ` role="img" aria-labelledby="%s-title">`, html.EscapeString(id))
	fmt.Fprintf(&b, "\n<title id=\"%s-title\">%s</title>", html.EscapeString(id), html.EscapeString(title))
	b.Write(svg[end+1:])
	out := b.String()

	m := transform.FindStringSubmatch(out)
	if m == nil {
		return "", f, errors.New("graphview: graphviz's graph transform is not the expected translate")
	}
	var err1, err2, err3, err4 error
	f.tx, err1 = strconv.ParseFloat(m[1], 64)
	f.ty, err2 = strconv.ParseFloat(m[2], 64)
	f.w, err3 = strconv.ParseFloat(string(vb[1]), 64)
	f.h, err4 = strconv.ParseFloat(string(vb[2]), 64)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return "", f, fmt.Errorf("graphview: graph frame: %w", err)
	}
	for _, h := range hrefAttr.FindAllStringSubmatch(out, -1) {
		if !hrefs[html.UnescapeString(h[1])] {
			return "", f, fmt.Errorf("graphview: the SVG links to %q, which no node was given", h[1])
		}
	}
	return out, f, nil
}

// boxesOf reads the node rectangles from Graphviz's -Tplain output of
// the layout ("node NAME X Y WIDTH HEIGHT ...", in inches, y upwards, one
// line per node in the order they were made, which is the plan's) and
// moves them into the SVG's coordinates: x + tx, ty - y, in points.
func boxesOf(layout []byte, p plan, f svgFrame) ([]Box, error) {
	var boxes []Box
	for line := range strings.Lines(string(layout)) {
		rest, ok := strings.CutPrefix(line, "node ")
		if !ok {
			continue
		}
		i := len(boxes)
		if i >= len(p.nodes) {
			return nil, errors.New("graphview: the layout has more nodes than the graph")
		}
		fields := strings.Fields(skipName(rest))
		if len(fields) < 4 {
			return nil, fmt.Errorf("graphview: layout line %q", line)
		}
		var v [4]float64
		for j := range v {
			x, err := strconv.ParseFloat(fields[j], 64)
			if err != nil {
				return nil, fmt.Errorf("graphview: layout line %q: %w", line, err)
			}
			v[j] = x * 72
		}
		cx, cy, w, h := v[0], v[1], v[2], v[3]
		boxes = append(boxes, Box{Node: p.nodes[i].id, Missing: p.nodes[i].missing,
			X: cx + f.tx - w/2, Y: f.ty - cy - h/2, W: w, H: h})
	}
	if len(boxes) != len(p.nodes) {
		return nil, fmt.Errorf("graphview: the layout has %d of the graph's %d nodes", len(boxes), len(p.nodes))
	}
	return boxes, nil
}

// skipName drops the node name that starts s: a bare word, or a quoted
// string in which a backslash escapes the next character (plan names
// have their backslashes in pairs, so this reads them right).
func skipName(s string) string {
	if !strings.HasPrefix(s, `"`) {
		_, rest, _ := strings.Cut(s, " ")
		return rest
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return s[i+1:]
		}
	}
	return ""
}
