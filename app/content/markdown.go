package content

import (
	"bytes"
	"html/template"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	gast "github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// markdown renders author text. goldmark's HTML renderer is left in its safe
// mode: raw HTML is never copied through and links with dangerous schemes
// (javascript:, vbscript:, file:, data: other than images) lose their target.
// Raw HTML is refused at load as well, so an author learns that it would not
// show instead of finding it silently dropped.
var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM))

// rendered is Markdown turned into HTML, with what the checks need to know.
type rendered struct {
	html     template.HTML
	rawHTML  string // the first raw HTML found, "" if none
	rawLine  int    // its line within the text, 1-based
	headings []string
}

func renderMarkdown(src string) rendered {
	source := []byte(src)
	doc := markdown.Parser().Parse(text.NewReader(source))
	var out rendered
	_ = gast.Walk(doc, func(n gast.Node, entering bool) (gast.WalkStatus, error) {
		if !entering {
			return gast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *gast.RawHTML:
			if out.rawHTML == "" && v.Segments.Len() > 0 {
				seg := v.Segments.At(0)
				out.rawHTML = string(seg.Value(source))
				out.rawLine = lineAt(source, seg.Start)
			}
		case *gast.HTMLBlock:
			if out.rawHTML == "" && v.Lines().Len() > 0 {
				seg := v.Lines().At(0)
				out.rawHTML = strings.TrimSpace(string(seg.Value(source)))
				out.rawLine = lineAt(source, seg.Start)
			}
		case *gast.Heading:
			out.headings = append(out.headings, plainText(v, source))
		}
		return gast.WalkContinue, nil
	})
	var b bytes.Buffer
	// Rendering into a buffer cannot fail for goldmark's own renderer.
	_ = markdown.Renderer().Render(&b, source, doc)
	// The renderer's safe mode is what makes this conversion sound.
	out.html = template.HTML(b.String())
	return out
}

// plainText is the text of a node with its inline markup removed.
func plainText(n gast.Node, source []byte) string {
	var b strings.Builder
	_ = gast.Walk(n, func(c gast.Node, entering bool) (gast.WalkStatus, error) {
		if !entering {
			return gast.WalkContinue, nil
		}
		switch v := c.(type) {
		case *gast.Text:
			b.Write(v.Segment.Value(source))
			if v.SoftLineBreak() || v.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *gast.String:
			b.Write(v.Value)
		case *gast.CodeSpan:
			for ch := v.FirstChild(); ch != nil; ch = ch.NextSibling() {
				if t, ok := ch.(*gast.Text); ok {
					b.Write(t.Segment.Value(source))
				}
			}
			return gast.WalkSkipChildren, nil
		}
		return gast.WalkContinue, nil
	})
	return strings.TrimSpace(b.String())
}

func lineAt(source []byte, offset int) int {
	return bytes.Count(source[:min(offset, len(source))], []byte("\n")) + 1
}

// cleanText normalises text that is shown as a single line (titles, choice
// texts): surrounding white space is never meaningful there.
func cleanText(s string) string { return strings.TrimSpace(s) }

// cleanMarkdown normalises Markdown so that YAML formatting choices (`|`
// against `|-`, a trailing blank line) change neither the page nor the
// version. Leading spaces of the first line are kept: in Markdown they can
// matter.
func cleanMarkdown(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.TrimRight(s, " \t\n")
	for {
		line, rest, ok := strings.Cut(s, "\n")
		if !ok || strings.TrimSpace(line) != "" {
			return s
		}
		s = rest
	}
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }
