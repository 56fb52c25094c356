package graphview

import (
	"context"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/upstand/upstand/app/content"
)

var update = flag.Bool("update", false, "rewrite testdata/small.svg")

// One Renderer for the test binary, as in the server: New is cheap, but
// this is how it is meant to be used.
var (
	shared     *Renderer
	sharedErr  error
	sharedOnce sync.Once
)

func renderer(tb testing.TB) *Renderer {
	tb.Helper()
	sharedOnce.Do(func() { shared, sharedErr = New(context.Background()) })
	if sharedErr != nil {
		tb.Fatalf("New: %v", sharedErr)
	}
	return shared
}

// draft parses a scenario file that may have errors; it must give a draft.
func draft(tb testing.TB, id, file string) *content.Scenario {
	tb.Helper()
	s, errs := content.ParseDraft("scenarios/"+id+".yaml", []byte(file))
	if s == nil {
		tb.Fatalf("no draft:\n%v", errs)
	}
	return s
}

func render(tb testing.TB, s *content.Scenario, opts RenderOptions) Graph {
	tb.Helper()
	g, err := renderer(tb).Render(context.Background(), s, opts)
	if err != nil {
		tb.Fatalf("Render: %v", err)
	}
	return g
}

func TestGoldenSmall(t *testing.T) {
	data, err := os.ReadFile("testdata/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, errs := content.ParseScenario("scenarios/small.yaml", data)
	if errs != nil {
		t.Fatalf("testdata/small.yaml must be valid:\n%v", errs)
	}
	g := render(t, s, RenderOptions{})
	if again := render(t, s, RenderOptions{}); again.SVG != g.SVG {
		t.Fatal("two renders of the same scenario differ")
	}
	if *update {
		if err := os.WriteFile("testdata/small.svg", []byte(g.SVG), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/small.svg")
	if err != nil {
		t.Fatalf("%v (run the test with -update to write it)", err)
	}
	if string(g.SVG) != string(want) {
		t.Errorf("the SVG differs from testdata/small.svg (look at the change, then run with -update):\n%s", g.SVG)
	}

	svg := string(g.SVG)
	for _, want := range []string{
		`<svg`, `role="img" aria-labelledby="scenario-graph-title"`,
		`<title id="scenario-graph-title">Graph of the scenario “Sam asks for a word”: 5 nodes, 3 endings, 4 choices.</title>`,
		`viewBox="`, `xlink:href="#node-opening"`,
		`>start</text>`, `>ending: positive</text>`, `>ending: mixed</text>`, `>ending: negative</text>`,
		`xlink:title="1. Mention the support line.&#10;if: trust &gt;= 1"`, `stroke-dasharray`,
		`coming to you and ask…</text>`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("the SVG has no %s", want)
		}
	}
	if !strings.HasPrefix(svg, "<svg") {
		t.Errorf("the SVG does not start with <svg: %.40q", svg)
	}
	for _, bad := range []string{`<?xml`, `<!DOCTYPE`, `style="`} {
		if strings.Contains(svg, bad) {
			t.Errorf("the SVG has %s", bad)
		}
	}
	if tag := svg[:strings.IndexByte(svg, '>')]; strings.Contains(tag, ` width=`) || strings.Contains(tag, ` height=`) {
		t.Errorf("the <svg> has a fixed size: %s", tag)
	}
	wellFormed(t, svg)

	var kinds []string
	for _, n := range g.Outline {
		kinds = append(kinds, n.ID+" "+n.Kind)
	}
	if got, want := strings.Join(kinds, "; "), "opening start; listen node; good ending: positive; mixed ending: mixed; brush-off ending: negative"; got != want {
		t.Errorf("outline kinds: %s, want %s", got, want)
	}
	c := g.Outline[1].Choices[0]
	if !reflect.DeepEqual(c, OutlineChoice{Number: 1, Text: "Mention the support line.", Target: "good", Condition: "trust >= 1"}) {
		t.Errorf("outline choice: %+v", c)
	}
	if g.Outline[0].Line != 10 {
		t.Errorf("opening on line %d, want 10", g.Outline[0].Line)
	}
}

// sixty builds a valid 60-node scenario: 56 situations in a chain with
// skips, conditional loops back, side exits, and four endings.
func sixty() string {
	words := strings.Fields("ask them gently what happened and listen without judging or " +
		"interrupting then thank them say you will follow it up check the policy")
	phrase := func(i int) string {
		n := 4 + i%9
		var w []string
		for j := range n {
			w = append(w, words[(i*7+j)%len(words)])
		}
		return strings.ToUpper(w[0][:1]) + strings.Join(w, " ")[1:] + "."
	}
	var b strings.Builder
	b.WriteString("id: sixty\ntitle: Sixty nodes\nsummary: A long scenario.\nvariables:\n  trust: 0\nstart: n01\nnodes:\n")
	const n = 56
	endings := []string{"end-good", "end-mixed", "end-bad", "end-great"}
	choice := func(i, c int, target, cond string) {
		fmt.Fprintf(&b, "      - text: %q\n        goto: %s\n", phrase(i*3+c), target)
		if cond != "" {
			fmt.Fprintf(&b, "        if: %q\n", cond)
		} else {
			b.WriteString("        set: {trust: \"trust + 1\"}\n")
		}
	}
	for i := 1; i <= n; i++ {
		speaker := fmt.Sprintf("Person %d", i%5)
		if i%6 == 0 {
			speaker = "A speaker whose name is far too long to draw"
		}
		fmt.Fprintf(&b, "  n%02d:\n    speaker: %q\n    text: Situation %d.\n    choices:\n", i, speaker, i)
		if i == n {
			for c, e := range endings {
				choice(i, c, e, "")
			}
			continue
		}
		choice(i, 0, fmt.Sprintf("n%02d", i+1), "")
		if i+3 <= n {
			choice(i, 1, fmt.Sprintf("n%02d", i+3), "")
		}
		if i%5 == 0 {
			choice(i, 2, fmt.Sprintf("n%02d", i-4), "trust < 3")
		}
		if i%7 == 0 {
			choice(i, 3, endings[(i/7)%4], "trust >= 2")
		}
	}
	for i, e := range endings {
		fmt.Fprintf(&b, "  %s:\n    ending: %s\n    text: The end, %d.\n", e, []string{"positive", "mixed", "negative", "positive"}[i], i)
	}
	return b.String()
}

func TestSixtyNodesDoNotOverlap(t *testing.T) {
	s, errs := content.ParseScenario("scenarios/sixty.yaml", []byte(sixty()))
	if errs != nil {
		t.Fatalf("the generated scenario must be valid:\n%v", errs)
	}
	if len(s.NodeIDs) != 60 {
		t.Fatalf("%d nodes, want 60", len(s.NodeIDs))
	}
	g := render(t, s, RenderOptions{})
	if len(g.Boxes) != 60 {
		t.Fatalf("%d boxes, want 60", len(g.Boxes))
	}
	if g.Width < 100 || g.Height < 100 || !strings.Contains(string(g.SVG), fmt.Sprintf(`viewBox="0.00 0.00 %.2f %.2f"`, g.Width, g.Height)) {
		t.Errorf("size %v x %v is not the viewBox's", g.Width, g.Height)
	}
	for i, a := range g.Boxes {
		if a.Node != s.NodeIDs[i] || a.W <= 0 || a.H <= 0 {
			t.Errorf("box %d: %+v", i, a)
		}
		if a.X < 0 || a.Y < 0 || a.X+a.W > g.Width+0.01 || a.Y+a.H > g.Height+0.01 {
			t.Errorf("box %+v is outside the viewBox, %v x %v", a, g.Width, g.Height)
		}
		for _, c := range g.Boxes[i+1:] {
			if a.X < c.X+c.W && c.X < a.X+a.W && a.Y < c.Y+c.H && c.Y < a.Y+a.H {
				t.Errorf("boxes overlap: %+v and %+v", a, c)
			}
		}
	}
	wellFormed(t, string(g.SVG))
	t.Logf("60 nodes: %.0f x %.0f, %d bytes of SVG", g.Width, g.Height, len(g.SVG))
}

// problemDraft has an unreachable node (zeta), a trap (stuck) and a goto
// that names no node (nowhere), and one misspelt (stuk); the title is
// missing too.
const problemDraft = `id: problems
summary: S.
start: a
nodes:
  a:
    text: Start.
    choices:
      - text: Into the trap
        goto: stuck
      - text: Off the map
        goto: nowhere
      - text: Fine
        goto: good
      - text: Typo
        goto: stuk
  stuck:
    text: Stuck.
    choices:
      - text: Again
        goto: stuck
  zeta:
    text: Never seen.
    choices:
      - text: Go
        goto: good
  good:
    ending: positive
    text: Done.
`

func TestProblemsAreMarked(t *testing.T) {
	s := draft(t, "problems", problemDraft)
	g := render(t, s, RenderOptions{})
	svg := string(g.SVG)
	wellFormed(t, svg)

	zeta := nodeGroup(t, svg, "zeta")
	if !strings.Contains(zeta, ">"+ProblemUnreachable+"<") || !strings.Contains(zeta, `stroke="`+styleProblem.line+`"`) {
		t.Errorf("zeta is not marked unreachable:\n%s", zeta)
	}
	stuck := nodeGroup(t, svg, "stuck")
	if !strings.Contains(stuck, ">"+ProblemTrap+"<") || !strings.Contains(stuck, `stroke="`+styleProblem.line+`"`) {
		t.Errorf("stuck is not marked a trap:\n%s", stuck)
	}
	if a := nodeGroup(t, svg, "a"); strings.Contains(a, "⚠") {
		t.Errorf("a is marked:\n%s", a)
	}
	missing := nodeGroup(t, svg, "missing: nowhere")
	if !strings.Contains(missing, ">missing: nowhere<") || !strings.Contains(missing, `fill="`+stylePlaceholder.fill+`"`) {
		t.Errorf("no placeholder for nowhere:\n%s", missing)
	}
	if typo := nodeGroup(t, svg, "missing: stuk"); !strings.Contains(typo, ">did you mean stuck?<") {
		t.Errorf("no suggestion for stuk:\n%s", typo)
	}
	if c := byIDChoice(g.Outline, "a", 4); !c.Missing || c.Meant != "stuck" {
		t.Errorf("outline a choice 4: %+v", c)
	}
	if !strings.Contains(svg, "<title>a&#45;&gt;missing: nowhere</title>") {
		t.Error("no edge from a to the placeholder")
	}
	if !strings.Contains(svg, "problems: 1 unreachable, 1 trap, 2 choices going nowhere.</title>") {
		t.Error("the title does not sum the problems up")
	}

	byID := map[string]OutlineNode{}
	for _, n := range g.Outline {
		byID[n.ID] = n
	}
	if p := byID["zeta"].Problems; len(p) != 1 || p[0] != ProblemUnreachable {
		t.Errorf("outline zeta problems: %v", p)
	}
	if p := byID["stuck"].Problems; len(p) != 1 || p[0] != ProblemTrap {
		t.Errorf("outline stuck problems: %v", p)
	}
	if c := byID["a"].Choices[1]; !c.Missing || c.Target != "nowhere" || byID["a"].Choices[0].Missing {
		t.Errorf("outline a choices: %+v", byID["a"].Choices)
	}
	if b := g.Boxes; len(b) != 6 || !b[4].Missing || b[4].Node != "nowhere" || b[5].Node != "stuk" {
		t.Errorf("boxes: %+v", g.Boxes)
	}
}

func byIDChoice(outline []OutlineNode, id string, number int) OutlineChoice {
	for _, n := range outline {
		if n.ID == id && number <= len(n.Choices) {
			return n.Choices[number-1]
		}
	}
	return OutlineChoice{}
}

// nodeGroup is the SVG group of the node titled title.
func nodeGroup(t *testing.T, svg, title string) string {
	t.Helper()
	for _, g := range strings.Split(svg, `class="node">`)[1:] {
		if strings.HasPrefix(strings.TrimSpace(g), "<title>"+title+"</title>") {
			return g[:strings.Index(g, "</g>\n</g>")]
		}
	}
	t.Fatalf("no node titled %q", title)
	return ""
}

// hostile puts markup, quotes, a javascript: URL and Graphviz escapes in
// every piece of author text the picture shows.
const hostile = `id: hostile
title: "</title><script>alert('t')</script>"
summary: S.
variables:
  x: 0
start: "a\"><script>alert(1)</script>"
nodes:
  "a\"><script>alert(1)</script>":
    speaker: "<b onclick=alert(2)>"
    text: "javascript:alert(3) \\N \\G \" ' & <b>"
    choices:
      - text: "<script>alert(4)</script> \" ' \\N \\"
        goto: "javascript:alert(5)"
      - text: ok
        goto: end
        if: "x == 1 && \"</title><script>alert(6)</script>\""
  end:
    ending: positive
    text: Done.
`

func TestHostileTextIsInert(t *testing.T) {
	s := draft(t, "hostile", hostile)
	id := `a"><script>alert(1)</script>`
	if s.Nodes[id] == nil {
		t.Fatalf("nodes: %v", s.NodeIDs)
	}
	cases := []struct {
		name string
		opts RenderOptions
		href string // the link the first node must have; "" for none
	}{
		{"default links", RenderOptions{}, "#node-a%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E"},
		{"javascript: link", RenderOptions{NodeHref: func(string) string { return "javascript:alert(7)" }}, ""},
		{"JavaScript: link", RenderOptions{NodeHref: func(string) string { return " JaVaScRiPt:alert(7)" }}, ""},
		{"data: link", RenderOptions{NodeHref: func(string) string { return "data:text/html,<script>alert(8)</script>" }}, ""},
		{"link with a quote", RenderOptions{NodeHref: func(id string) string { return "/edit#" + id }}, ""},
		{"good link", RenderOptions{NodeHref: func(string) string { return "/author/hostile/edit?x=1&y=2#line-9" }}, "/author/hostile/edit?x=1&y=2#line-9"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := render(t, s, c.opts)
			svg := string(g.SVG)
			texts, titles, hrefs := wellFormed(t, svg)
			for _, h := range hrefs {
				if strings.Contains(strings.ToLower(h), "script") && c.href == "" {
					t.Errorf("link %q", h)
				}
			}
			if c.href != "" && (len(hrefs) == 0 || hrefs[0] != c.href) {
				t.Errorf("links %q, want the first to be %q", hrefs, c.href)
			}
			if c.href == "" && len(hrefs) > 1 {
				t.Errorf("links %q, want only end's", hrefs)
			}
			// The author's text arrives as text, exactly.
			for _, want := range []string{
				`a"><script>alert(1)</script>`, `<b onclick=alert(2)>`,
				`missing: javascript:alert(5)`,
			} {
				if !contains(texts, want) {
					t.Errorf("no text %q in %q", want, texts)
				}
			}
			for _, want := range []string{
				`1. <script>alert(4)</script> " ' \N \`,
				`if: x == 1 && "</title><script>alert(6)</script>"`,
				`javascript:alert(3) \N \G " ' & <b>`,
			} {
				if !containsPart(titles, want) {
					t.Errorf("no tooltip with %q in %q", want, titles)
				}
			}
		})
	}
}

// TestOddNodeIDs: ids no valid scenario has, but a draft can, each still
// get a box of their own, labelled as written.
func TestOddNodeIDs(t *testing.T) {
	ids := []string{`b\N`, `%1`, "x\ty", "x y", `q"\"`, "missing: gone"}
	var b strings.Builder
	b.WriteString("id: odd\ntitle: Odd\nsummary: S.\nstart: start\nnodes:\n  start:\n    text: Hi\n    choices:\n")
	for _, id := range ids {
		fmt.Fprintf(&b, "      - text: go\n        goto: %s\n", strconv.Quote(id))
	}
	b.WriteString("      - text: gone\n        goto: gone\n")
	for _, id := range ids {
		fmt.Fprintf(&b, "  %s:\n    ending: positive\n    text: End.\n", strconv.Quote(id))
	}
	s := draft(t, "odd", b.String())
	if len(s.NodeIDs) != len(ids)+1 {
		t.Fatalf("nodes %q", s.NodeIDs)
	}
	g := render(t, s, RenderOptions{})
	texts, _, _ := wellFormed(t, string(g.SVG))
	for _, id := range s.NodeIDs {
		if want := oneLine(id); !contains(texts, want) {
			t.Errorf("no label %q in %q", want, texts)
		}
	}
	if !contains(texts, "missing: gone") || len(g.Boxes) != len(ids)+2 {
		t.Errorf("boxes %+v", g.Boxes)
	}
	for i, id := range s.NodeIDs {
		if g.Boxes[i].Node != id {
			t.Errorf("box %d is %q, want %q", i, g.Boxes[i].Node, id)
		}
	}
	if last := g.Boxes[len(g.Boxes)-1]; !last.Missing || last.Node != "gone" {
		t.Errorf("last box %+v", last)
	}
}

// wellFormed parses the SVG as XML and checks that nothing in it is
// active: no script element, no event attribute, no javascript: link. It
// returns the texts, the tooltips and the links.
func wellFormed(t *testing.T, svg string) (texts, titles, hrefs []string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	var in string
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		switch v := tok.(type) {
		case xml.StartElement:
			in = v.Name.Local
			if in == "script" || in == "foreignObject" || in == "iframe" {
				t.Errorf("the SVG has a <%s>", in)
			}
			for _, a := range v.Attr {
				switch {
				case strings.HasPrefix(strings.ToLower(a.Name.Local), "on"):
					t.Errorf("event attribute %s=%q", a.Name.Local, a.Value)
				case a.Name.Local == "href":
					if u := strings.ToLower(strings.TrimSpace(a.Value)); !strings.HasPrefix(u, "#") && !strings.HasPrefix(u, "/") {
						t.Errorf("link %q", a.Value)
					}
					hrefs = append(hrefs, a.Value)
				case a.Name.Local == "title":
					titles = append(titles, a.Value)
				}
			}
		case xml.CharData:
			if in == "text" || in == "title" {
				texts = append(texts, string(v))
			}
		}
	}
	return texts, titles, hrefs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsPart(list []string, s string) bool {
	for _, x := range list {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

func TestSafeHref(t *testing.T) {
	for h, want := range map[string]string{
		"#node-a": "#node-a", "/x?a=1&b=2#c": "/x?a=1&b=2#c", "https://e.test/x": "https://e.test/x",
		"javascript:alert(1)": "", "JAVASCRIPT:alert(1)": "", "java\tscript:alert(1)": "", " javascript:x": "",
		"vbscript:x": "", "data:text/html,x": "", `#a"b`: "", "#a<b": "", `#a\b`: "", "": "",
	} {
		if got := safeHref(h); got != want {
			t.Errorf("safeHref(%q) = %q, want %q", h, got, want)
		}
	}
}

// TestContrast checks the colours against WCAG AA: text 4.5:1 on its
// fill, lines 3:1 on the page.
func TestContrast(t *testing.T) {
	styles := map[string]style{"node": styleNode, "start": styleStart, "problem": styleProblem, "placeholder": stylePlaceholder}
	for o, st := range styleEnding {
		styles["ending "+string(o)] = st
	}
	for name, st := range styles {
		if r := contrast(st.text, st.fill); r < 4.5 {
			t.Errorf("%s: text %s on %s has contrast %.2f, under 4.5", name, st.text, st.fill, r)
		}
		if r := contrast(st.line, pageColour); r < 3 {
			t.Errorf("%s: line %s on the page has contrast %.2f, under 3", name, st.line, r)
		}
	}
	if r := contrast(edgeTextColour, pageColour); r < 4.5 {
		t.Errorf("edge labels have contrast %.2f", r)
	}
	for _, c := range []string{edgeColour, edgeMissingColour} {
		if r := contrast(c, pageColour); r < 3 {
			t.Errorf("edge colour %s has contrast %.2f", c, r)
		}
	}
}

func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(hex string) float64 {
	v, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	if err != nil {
		panic(hex)
	}
	var l float64
	for i, k := range []float64{0.2126, 0.7152, 0.0722} {
		c := float64((v>>(16-8*i))&0xff) / 255
		if c <= 0.04045 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		l += k * c
	}
	return l
}

func TestConcurrentRenders(t *testing.T) {
	s := draft(t, "problems", problemDraft)
	want := render(t, s, RenderOptions{ID: "zq"}).SVG
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			// Each its own ID, so that none is served from the cache.
			id := fmt.Sprintf("zq%d", i)
			g, err := renderer(t).Render(context.Background(), s, RenderOptions{ID: id})
			if err == nil && strings.ReplaceAll(string(g.SVG), id, "zq") != string(want) {
				err = errors.New("a concurrent render differs")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestCache(t *testing.T) {
	r, err := New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s := draft(t, "problems", problemDraft)
	first, err := r.Render(context.Background(), s, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range drawnMax + 3 {
		again, err := r.Render(context.Background(), s, RenderOptions{ID: fmt.Sprintf("k%d", i%(drawnMax+1))})
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Boxes) != len(first.Boxes) {
			t.Fatal("a render differs")
		}
	}
	if len(r.drawn) != drawnMax || len(r.order) != drawnMax {
		t.Errorf("%d drawings kept (%d in order), want %d", len(r.drawn), len(r.order), drawnMax)
	}
	leaked := r.Leaked()
	if leaked < int64(len(first.SVG))*(drawnMax+2) {
		t.Errorf("Leaked = %d for %d renders of %d bytes", leaked, drawnMax+2, len(first.SVG))
	}
	if _, err := r.Render(context.Background(), s, RenderOptions{ID: "k1"}); err != nil || r.Leaked() != leaked {
		t.Errorf("a render from the cache counts as leaked: %v", err)
	}
	again, err := r.Render(context.Background(), s, RenderOptions{})
	if err != nil || again.SVG != first.SVG {
		t.Errorf("render after the cache turned over differs: %v", err)
	}
}

func TestCancelledContext(t *testing.T) {
	s := draft(t, "problems", problemDraft)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := renderer(t).Render(ctx, s, RenderOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Render with a cancelled context: %v", err)
	}
	render(t, s, RenderOptions{}) // and Graphviz still works
	if _, err := renderer(t).Render(context.Background(), nil, RenderOptions{}); err == nil {
		t.Error("no error for a nil scenario")
	}
}

func TestWrapAndClip(t *testing.T) {
	if got := clip("Thank them for coming to you and ask how they are doing.", 40); got != "Thank them for coming to you and ask ho…" || runes(got) != 40 {
		t.Errorf("clip = %q", got)
	}
	if got := wrap("1. Mention the support line.", 22); strings.Join(got, "|") != "1. Mention the|support line." {
		t.Errorf("wrap = %q", got)
	}
	if got := wrap("short", 22); len(got) != 1 {
		t.Errorf("wrap = %q", got)
	}
}

// BenchmarkRender60 is one render of the 60-node scenario: layout, SVG,
// positions and outline. Besides the wall time it reports the CPU time
// per render (cpu-ms/op), the steadier figure on a machine shared with
// other builds.
func BenchmarkRender60(b *testing.B) {
	s, errs := content.ParseScenario("scenarios/sixty.yaml", []byte(sixty()))
	if errs != nil {
		b.Fatal(errs)
	}
	r := renderer(b)
	ctx := context.Background()
	start, leaked := cpuTime(), r.Leaked()
	i := 0
	for b.Loop() {
		// A new ID each time: a repeated graph would come from the cache.
		i++
		if _, err := r.Render(ctx, s, RenderOptions{ID: fmt.Sprintf("b%d", i)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(r.Leaked()-leaked)/1024/float64(b.N), "leaked-KB/op")
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// routed has a choice with a routed goto (one route misspelt) and a node
// whose text has a conditional part.
const routed = `id: routed
title: Routed
summary: S.
variables:
  promised: false
start: a
nodes:
  a:
    text:
      - Sam asks you to keep it secret.
      - {if: promised, text: You already promised.}
    choices:
      - {text: Promise, goto: a, set: {promised: true}, if: "!promised"}
      - text: Leave it
        goto:
          - {if: promised, node: mixed}
          - {if: "!promised", node: bad}
          - node: good
  good: {ending: positive, text: Good.}
  mixed: {ending: mixed, text: Mixed.}
`

// TestRoutedGoto: a routed goto draws one arrow per route, each labelled
// with the choice and its condition ("otherwise" for the last); the
// outline lists the routes; a route that names no node points to a
// placeholder like any goto.
func TestRoutedGoto(t *testing.T) {
	s := draft(t, "routed", routed)
	g := render(t, s, RenderOptions{})
	svg := string(g.SVG)
	wellFormed(t, svg)
	for _, want := range []string{
		"<title>a&#45;&gt;mixed</title>", "<title>a&#45;&gt;missing: bad</title>", "<title>a&#45;&gt;good</title>",
		">→ if promised<", ">→ if !promised<", ">→ otherwise<",
		`xlink:title="2. Leave it&#10;route 1 of 3: if promised"`,
		`xlink:title="2. Leave it&#10;route 3 of 3: otherwise"`,
		// The box's tooltip has the whole text, the conditional part marked.
		`Sam asks you to keep it secret. [if promised] You already promised.`,
		// Two choices, four arrows.
		"3 nodes, 2 endings, 2 choices (4 arrows: routed gotos draw one per route); problems: 1 choice going nowhere.</title>",
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("the SVG has no %s", want)
		}
	}
	if n := strings.Count(svg, `class="edge"`); n != 4 {
		t.Errorf("%d arrows, want 4 (one for the plain goto, three for the routes)", n)
	}
	c := byIDChoice(g.Outline, "a", 2)
	want := OutlineChoice{Number: 2, Text: "Leave it", Target: "good", Routes: []OutlineRoute{
		{Number: 1, Target: "mixed", Condition: "promised"},
		{Number: 2, Target: "bad", Condition: "!promised", Missing: true, Meant: "a"},
		{Number: 3, Target: "good"},
	}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("outline choice:\n%+v\nwant\n%+v", c, want)
	}
	if p := byIDChoice(g.Outline, "a", 1); p.Routes != nil || p.Target != "a" || p.Condition != "!promised" {
		t.Errorf("a plain goto in the outline: %+v", p)
	}
	if b := g.Boxes; len(b) != 4 || !b[3].Missing || b[3].Node != "bad" {
		t.Errorf("boxes: %+v", g.Boxes)
	}

	// Fixed, the draft is a valid scenario and draws without problems.
	fixed := strings.Replace(routed, "node: bad", "node: mixed", 1)
	fixed = strings.Replace(fixed, "{if: promised, node: mixed}", "{if: promised, node: good}", 1)
	if _, errs := content.ParseScenario("scenarios/routed.yaml", []byte(fixed)); errs != nil {
		t.Fatalf("the fixed draft does not load:\n%v", errs)
	}
}
