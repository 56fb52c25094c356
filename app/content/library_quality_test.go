package content

import (
	"bufio"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	gast "github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// Quality checks on the bundled library that the format itself does not
// make (issue 15). They run on the repository's own modules/ and
// scenarios/, like the shape bars in library_test.go; the rules are
// documented for authors in modules/README.md.

// TestLibraryQuizOptionLength fails a quiz in which the correct option is
// the strictly longest one in more than a third of its questions: a
// learner who always picks the longest answer must not pass on that alone.
func TestLibraryQuizOptionLength(t *testing.T) {
	cat := repository(t)
	for _, m := range cat.Modules {
		for _, st := range m.Steps {
			if st.Kind != QuizStep {
				continue
			}
			if n, total := longestCorrect(st.Quiz); 3*n > total {
				t.Errorf("%s: step %d: the correct option is the longest in %d of %d questions, want at most a third", m.Path, st.Index, n, total)
			}
		}
	}
}

// longestCorrect counts the questions of q whose correct option (any, if
// several) is strictly longer, in characters, than every other option.
func longestCorrect(q *Quiz) (n, total int) {
	for _, qu := range q.Questions {
		total++
		for i, o := range qu.Options {
			if !o.Correct {
				continue
			}
			longest := true
			for j, other := range qu.Options {
				if j != i && utf8.RuneCountInString(other.Text) >= utf8.RuneCountInString(o.Text) {
					longest = false
				}
			}
			if longest {
				n++
				break
			}
		}
	}
	return n, total
}

func TestLongestCorrect(t *testing.T) {
	opt := func(s string, c bool) *Option { return &Option{Text: s, Correct: c} }
	q := &Quiz{Questions: []*Question{
		{Options: []*Option{opt("longest one", true), opt("short", false)}},      // counts
		{Options: []*Option{opt("same", true), opt("size", false)}},              // a tie is not strictly longest
		{Options: []*Option{opt("a", true), opt("much longer", false)}},          // shorter
		{Options: []*Option{opt("é é é", true), opt("abcd", false)}},             // characters, not bytes: 5 > 4
		{Options: []*Option{opt("xx", false), opt("yyy", true), opt("z", true)}}, // one of several correct
	}}
	if n, total := longestCorrect(q); n != 3 || total != 5 {
		t.Errorf("longestCorrect = %d of %d, want 3 of 5", n, total)
	}
}

// placeholderPhrase matches wording that marks unfinished text. Nothing a
// learner can see may contain it: lessons, module.yaml (titles, outcomes,
// quizzes, reflections) and scenarios.
var placeholderPhrase = regexp.MustCompile(`(?i)\bplace-?holders?\b|\bwill add (?:its |their |the )?(?:own )?(?:details|contact|name)|\bTBC\b|\bTBD\b|\bTODO\b|\bFIXME\b|\blorem\b|\bipsum\b|\bXXX\b|\binsert (?:details|link|number) here\b|\[(?:your|organisation) [^]]*\]`)

func TestLibraryNoPlaceholders(t *testing.T) {
	root := os.DirFS("../..")
	for _, dir := range []string{"modules", "scenarios"} {
		err := fs.WalkDir(root, dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			// The folders' READMEs are for authors, not learners.
			if ext := path.Ext(p); (ext != ".md" && ext != ".yaml") || d.Name() == "README.md" {
				return nil
			}
			for _, hit := range placeholders(t, root, p) {
				t.Errorf("%s: placeholder text shown to learners: %s", p, hit)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// placeholders returns "line N: "phrase"" for every placeholder phrase in
// the file.
func placeholders(t *testing.T, root fs.FS, p string) []string {
	t.Helper()
	b, err := fs.ReadFile(root, p)
	if err != nil {
		t.Fatal(err)
	}
	var hits []string
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		for _, m := range placeholderPhrase.FindAllString(sc.Text(), -1) {
			hits = append(hits, "line "+strconv.Itoa(line)+": "+strconv.Quote(m))
		}
	}
	return hits
}

func TestPlaceholderPhrase(t *testing.T) {
	for s, want := range map[string]bool{
		"These helplines are placeholders.":                  true,
		"Your organisation will add details here.":           true,
		"Your organisation will add its own contact details": true,
		"Dates TBC":                   true,
		"TODO: write this":            true,
		"Lorem ipsum dolor":           true,
		"Call [your EAP number]":      true,
		"Call Samaritans on 116 123.": false,
		"Your organisation's support page lists its EAP.": false,
		"a todo-list app":              true,
		"the tbc column":               true,
		"to be confirmed by HR":        false,
		"it will add up over time":     false,
		"They will add their own view": false,
	} {
		if got := placeholderPhrase.MatchString(s); got != want {
			t.Errorf("placeholderPhrase on %q = %v, want %v", s, got, want)
		}
	}
}

// A figure in a lesson must name its source in the same paragraph (or
// list item, heading or table cell). The rule, as modules/README.md gives
// it to authors:
//
//   - A figure is a percentage ("44%", "12.5 per cent"), a number of 1,000
//     or more ("170,000", "4500", "2 million"), or any number followed by
//     "million" or "billion". A four-digit number from 1900 to 2099 written
//     without a comma is a year, not a figure. Digit groups that are
//     written with spaces between them ("116 123", "0808 2000 247"), that
//     start with 0 ("0300"), or that run to five digits or more without a
//     comma ("text 85258") are phone numbers, not figures: write a figure
//     of 10,000 or more with commas.
//   - A source is a parenthesis holding a name and a year ("(Acas, 2023)",
//     "(CIPD, Drug and alcohol misuse at work, 2020)"), or "according to"
//     followed later in the same paragraph by a year ("according to the
//     TUC's 2023 survey").
var (
	percentFigure = regexp.MustCompile(`\d+(?:\.\d+)?\s?(?:%|per ?cent\b)`)
	number        = regexp.MustCompile(`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?`)
	phone         = regexp.MustCompile(`\b\d+(?: \d+)+\b`)
	scale         = regexp.MustCompile(`^\s+(?:million|billion)\b`)
	citationParen = regexp.MustCompile(`\([^()]*[A-Za-z][^()]*\b(?:19|20)\d\d\b[^()]*\)`)
	accordingTo   = regexp.MustCompile(`(?i)\baccording to\b.*\b(?:19|20)\d\d\b`)
)

// figures returns the figures in a paragraph of plain text.
func figures(s string) []string {
	out := percentFigure.FindAllString(s, -1)
	phones := phone.FindAllStringIndex(s, -1)
	for _, loc := range number.FindAllStringIndex(s, -1) {
		run, rest := s[loc[0]:loc[1]], s[loc[1]:]
		if loc[0] > 0 && strings.ContainsAny(s[loc[0]-1:loc[0]], "0123456789.,") {
			continue // the tail of a number already seen
		}
		if percentFigure.MatchString(s[loc[0]:]) && percentFigure.FindStringIndex(s[loc[0]:])[0] == 0 {
			continue // counted as a percentage
		}
		if m := scale.FindString(rest); m != "" {
			out = append(out, run+m)
			continue
		}
		inPhone := strings.HasPrefix(run, "0")
		for _, p := range phones {
			if loc[0] >= p[0] && loc[1] <= p[1] {
				inPhone = true
			}
		}
		if inPhone {
			continue
		}
		digits := strings.ReplaceAll(run, ",", "")
		if i := strings.IndexByte(digits, '.'); i >= 0 {
			digits = digits[:i]
		}
		v, err := strconv.Atoi(digits)
		if err != nil || v < 1000 {
			continue
		}
		if !strings.Contains(run, ",") && len(digits) == 4 && v >= 1900 && v <= 2099 {
			continue // a year
		}
		if !strings.Contains(run, ",") && len(digits) >= 5 {
			continue // a phone number or text code ("text SHOUT to 85258"): figures this big take commas
		}
		out = append(out, run)
	}
	return out
}

func cited(s string) bool {
	return citationParen.MatchString(s) || accordingTo.MatchString(s)
}

func TestFiguresAndCitations(t *testing.T) {
	for s, want := range map[string]string{
		"Only 44% trust the police.":                   "44%",
		"About 12.5 per cent of staff.":                "12.5 per cent",
		"An estimated 170,000 incidents.":              "170,000",
		"Some 4500 people.":                            "4500",
		"About 2 million adults.":                      "2 million",
		"The Equality Act 2010 and the 1999 Act.":      "",
		"Call Samaritans on 116 123 or 0808 2000 247.": "",
		"Call 999, or 111 and choose option 2.":        "",
		"Protect's advice line, 020 3117 2520.":        "",
		"Three in four employers, one in 10 managers.": "",
		"In 2,000 cases, and 25% of the rest.":         "25%|2,000",
	} {
		if got := strings.Join(figures(s), "|"); got != want {
			t.Errorf("figures(%q) = %q, want %q", s, got, want)
		}
	}
	for s, want := range map[string]bool{
		"Only 12% train managers (CIPD, 2020).":                   true,
		"According to the TUC's 2023 survey, 52% of women.":       true,
		"Only 12% train managers (CIPD).":                         false,
		"Only 12% train managers (2020).":                         false,
		"In 2020, 12% trained managers.":                          false,
		"Only 12% train managers, according to research in 2020.": true,
	} {
		if got := cited(s); got != want {
			t.Errorf("cited(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestLibraryFiguresCited(t *testing.T) {
	cat := repository(t)
	root := os.DirFS("../..")
	for _, m := range cat.Modules {
		for _, l := range m.Lessons() {
			file, err := fs.ReadFile(root, l.Path)
			if err != nil {
				t.Fatal(err)
			}
			// Lines are counted in the file, front matter included.
			offset := strings.Index(string(file), l.Markdown)
			if offset < 0 {
				offset = 0
			}
			before := strings.Count(string(file[:offset]), "\n")
			for _, p := range paragraphs(l.Markdown) {
				if figs := figures(p.text); len(figs) > 0 && !cited(p.text) {
					t.Errorf("%s:%d: %s with no source in the same paragraph (name it with its year, e.g. \"(Acas, 2023)\")", l.Path, before+p.line, strings.Join(figs, ", "))
				}
			}
		}
	}
}

type paragraph struct {
	line int // 1-based, within the Markdown
	text string
}

// paragraphs returns the plain text of every leaf block of a Markdown
// document (paragraph, heading, the text of a list item, a table cell
// row), with the line it starts on.
func paragraphs(md string) []paragraph {
	src := []byte(md)
	doc := markdown.Parser().Parse(text.NewReader(src))
	var out []paragraph
	_ = gast.Walk(doc, func(n gast.Node, entering bool) (gast.WalkStatus, error) {
		if !entering || n.Type() != gast.TypeBlock || n.FirstChild() == nil || n.FirstChild().Type() != gast.TypeInline {
			return gast.WalkContinue, nil
		}
		line := 1
		if lines := n.Lines(); lines.Len() > 0 {
			line += strings.Count(md[:lines.At(0).Start], "\n")
		}
		out = append(out, paragraph{line: line, text: plainText(n, src)})
		return gast.WalkSkipChildren, nil
	})
	return out
}
