package content

import (
	"strings"
	"testing"
)

func TestMarkdownIsSafe(t *testing.T) {
	out := renderMarkdown("# Key *points*\n\n[x](javascript:alert(1)) [y](vbscript:x) ![i](javascript:x) <https://example.org> **b**\n")
	html := string(out.html)
	for _, bad := range []string{"javascript:", "vbscript:"} {
		if strings.Contains(html, bad) {
			t.Errorf("rendered HTML keeps %s: %s", bad, html)
		}
	}
	for _, want := range []string{`<a href="https://example.org">`, "<strong>b</strong>", "<h1>Key <em>points</em></h1>"} {
		if !strings.Contains(html, want) {
			t.Errorf("rendered HTML lacks %s: %s", want, html)
		}
	}
	if out.rawHTML != "" || len(out.headings) != 1 || out.headings[0] != "Key points" {
		t.Errorf("raw %q, headings %q", out.rawHTML, out.headings)
	}

	// Raw HTML, inline or as a block, is found (and refused at load) and
	// never copied into the page.
	for _, src := range []string{"Hi <script>alert(1)</script>", "Hi\n\n<div onclick=\"x()\">\nyo\n</div>\n", "# T <img src=x onerror=alert(1)>"} {
		out := renderMarkdown(src)
		if out.rawHTML == "" {
			t.Errorf("%q: raw HTML not found", src)
		}
		if h := string(out.html); strings.Contains(h, "<script") || strings.Contains(h, "onclick") || strings.Contains(h, "onerror") {
			t.Errorf("%q rendered as %s", src, h)
		}
	}
}

func TestCleanMarkdown(t *testing.T) {
	for in, want := range map[string]string{
		"Hi\n":              "Hi",
		"\n  \nHi\n\n":      "Hi",
		"    code\n":        "    code",
		"a  \nb\r\n":        "a  \nb",
		"  \n\t\n":          "",
		"line\n\nline two ": "line\n\nline two",
	} {
		if got := cleanMarkdown(in); got != want {
			t.Errorf("cleanMarkdown(%q) = %q, want %q", in, got, want)
		}
	}
}
