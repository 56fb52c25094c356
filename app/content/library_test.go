package content

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"

	gast "github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// The shape bars of the course library (issue 4): every bundled course and
// scenario must meet them, so the library cannot quietly regress. The
// repository's folders are read, as `content check` does in a checkout.

func repository(t testing.TB) *Catalogue {
	t.Helper()
	cat, err := Load(os.DirFS("../.."))
	if err != nil {
		t.Fatalf("the repository's content does not load:\n%v", err)
	}
	return cat
}

func TestLibraryScenarios(t *testing.T) {
	cat := repository(t)
	if len(cat.Scenarios) < 12 {
		t.Errorf("%d scenarios, want at least 12", len(cat.Scenarios))
	}
	var table strings.Builder
	fmt.Fprintf(&table, "\n%-32s %5s %8s %8s %6s %4s %4s\n", "scenario", "nodes", "positive", "mixed", "negat.", "if", "comp")
	for _, s := range cat.Scenarios {
		endings := map[Outcome]int{}
		ifs := 0
		scored := map[string]bool{}
		for _, id := range s.NodeIDs {
			n := s.Nodes[id]
			if n.IsEnding() {
				endings[n.Ending]++
			}
			for _, c := range n.Choices {
				if c.Feedback == "" {
					t.Errorf("%s: node %q, choice %d has no feedback", s.Path, id, c.ID)
				}
				if c.If != nil {
					ifs++
				}
				for k := range c.Score {
					scored[k] = true
				}
			}
		}
		fmt.Fprintf(&table, "%-32s %5d %8d %8d %6d %4d %4d\n", s.ID, len(s.Nodes), endings[Positive], endings[Mixed], endings[Negative], ifs, len(scored))
		if len(s.Nodes) < 12 {
			t.Errorf("%s: %d nodes, want at least 12", s.Path, len(s.Nodes))
		}
		if endings[Positive]+endings[Mixed]+endings[Negative] < 3 || endings[Positive] == 0 || endings[Mixed] == 0 || endings[Negative] == 0 {
			t.Errorf("%s: endings %v, want at least 3 covering positive, mixed and negative", s.Path, endings)
		}
		if len(scored) < 2 {
			t.Errorf("%s: scores on %d competencies, want at least 2", s.Path, len(scored))
		}
		if ifs == 0 {
			t.Errorf("%s: no choice is gated by an if", s.Path)
		}
	}
	t.Log(table.String())
}

func TestLibraryModules(t *testing.T) {
	cat := repository(t)
	if len(cat.Modules) < 6 {
		t.Errorf("%d modules, want at least 6", len(cat.Modules))
	}
	var table strings.Builder
	fmt.Fprintf(&table, "\n%-32s %-40s %6s %8s\n", "course", "lesson", "words", "ease")
	for _, m := range cat.Modules {
		lessons := m.Lessons()
		if len(lessons) < 3 {
			t.Errorf("%s: %d lessons, want at least 3", m.Path, len(lessons))
		}
		support := false
		for _, l := range lessons {
			words, ease := readability(l.Markdown)
			fmt.Fprintf(&table, "%-32s %-40s %6d %8.1f\n", m.ID, l.File, words, ease)
			if words < 400 || words > 1000 {
				t.Errorf("%s: %d words, want 400 to 1,000", l.Path, words)
			}
			if ease < 50 {
				t.Errorf("%s: Flesch reading ease %.1f, want 50 or more", l.Path, ease)
			}
			if !slices.ContainsFunc(l.Headings, func(h string) bool { return strings.EqualFold(h, "Key points") }) {
				t.Errorf("%s: no \"Key points\" heading (headings: %q)", l.Path, l.Headings)
			}
			if slices.ContainsFunc(l.Headings, func(h string) bool { return strings.EqualFold(h, "Where to get support") }) {
				support = true
			}
		}
		if !support {
			t.Errorf("%s: no lesson has a \"Where to get support\" heading", m.Path)
		}
		if n := len(m.Scenarios()); n < 2 {
			t.Errorf("%s: %d scenarios, want at least 2", m.Path, n)
		}
		questions, reflections := 0, 0
		for _, st := range m.Steps {
			switch st.Kind {
			case QuizStep:
				questions += len(st.Quiz.Questions)
				for qi, q := range st.Quiz.Questions {
					for oi, o := range q.Options {
						if o.Feedback == "" {
							t.Errorf("%s: step %d, question %d, option %d has no feedback", m.Path, st.Index, qi+1, oi+1)
						}
					}
				}
			case ReflectionStep:
				reflections++
			}
		}
		if questions < 6 {
			t.Errorf("%s: %d quiz questions, want at least 6", m.Path, questions)
		}
		if reflections == 0 {
			t.Errorf("%s: no reflection step", m.Path)
		}
		if len(m.Confidence) < 3 {
			t.Errorf("%s: %d confidence statements, want at least 3", m.Path, len(m.Confidence))
		}
		if len(m.Outcomes) == 0 {
			t.Errorf("%s: no learning outcomes", m.Path)
		}
	}
	t.Log(table.String())
}

// readability counts the words of a lesson's Markdown and its Flesch
// reading ease:
//
//	206.835 − 1.015 × (words ÷ sentences) − 84.6 × (syllables ÷ words)
//
// Text is taken from the rendered document (no markup). A sentence ends at
// . ! or ? (see endsSentence), and also at the end of every block (heading, list item,
// paragraph), as a heading or a bullet reads as a unit of its own.
// Syllables are counted by syllables().
func readability(md string) (words int, ease float64) {
	src := []byte(md)
	doc := markdown.Parser().Parse(text.NewReader(src))
	var blocks []string
	var cur strings.Builder
	_ = gast.Walk(doc, func(n gast.Node, entering bool) (gast.WalkStatus, error) {
		switch v := n.(type) {
		case *gast.Text:
			if entering {
				cur.Write(v.Segment.Value(src))
				cur.WriteByte(' ')
			}
		case *gast.String:
			if entering {
				cur.Write(v.Value)
			}
		default:
			if !entering && n.Type() == gast.TypeBlock && cur.Len() > 0 {
				blocks = append(blocks, cur.String())
				cur.Reset()
			}
		}
		return gast.WalkContinue, nil
	})
	sentences, syl := 0, 0
	for _, b := range blocks {
		endsOpen := false
		for _, w := range strings.Fields(b) {
			core := strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
			if core == "" {
				continue
			}
			words++
			syl += syllables(core)
			endsOpen = true
			if endsSentence(w) {
				sentences++
				endsOpen = false
			}
		}
		if endsOpen {
			sentences++
		}
	}
	if words == 0 || sentences == 0 {
		return words, 0
	}
	ease = 206.835 - 1.015*float64(words)/float64(sentences) - 84.6*float64(syl)/float64(words)
	return words, ease
}

// endsSentence reports whether a word closes a sentence: it ends in . ! or
// ? (before closing quotes and brackets) and is not an abbreviation.
func endsSentence(w string) bool {
	t := strings.TrimRight(w, `"')]*”’`)
	if t == "" || !strings.ContainsAny(t[len(t)-1:], ".!?") {
		return false
	}
	switch strings.ToLower(t) {
	case "e.g.", "i.e.", "etc.", "mr.", "mrs.", "ms.", "dr.", "no.":
		return false
	}
	return true
}

// syllables estimates the syllables of an English word: groups of vowels
// (y counts as one), less a silent final e ("make"), but not for "-le"
// after a consonant ("table"); at least one. Digits count one syllable per
// number. Good enough for a reading-ease bar, not for poetry.
func syllables(word string) int {
	w := strings.ToLower(word)
	if strings.IndexFunc(w, unicode.IsLetter) < 0 {
		return 1
	}
	count, prevVowel := 0, false
	for _, r := range w {
		v := strings.ContainsRune("aeiouy", r)
		if v && !prevVowel {
			count++
		}
		prevVowel = v
	}
	if n := len(w); n > 2 && w[n-1] == 'e' && !strings.ContainsRune("aeiouy", rune(w[n-2])) &&
		!(w[n-2] == 'l' && !strings.ContainsRune("aeiouy", rune(w[n-3]))) {
		count--
	}
	return max(count, 1)
}

func TestReadability(t *testing.T) {
	for word, want := range map[string]int{"the": 1, "make": 1, "table": 2, "people": 2, "readability": 5, "support": 2, "conversation": 4, "2024": 1} {
		if got := syllables(word); got != want {
			t.Errorf("syllables(%q) = %d, want %d", word, got, want)
		}
	}
	// 6 words, 1 sentence, 6 syllables: 206.835 − 1.015×6 − 84.6×1.
	words, ease := readability("The cat sat on the mat.")
	if words != 6 || ease < 116.1 || ease > 116.2 {
		t.Errorf("readability = %d words, %.2f; want 6, 116.15", words, ease)
	}
	// A heading and a bullet count as sentences of their own; e.g. does not
	// end one.
	words, ease = readability("# Key points\n\n- Listen first, e.g. by waiting\n- Then act.\n")
	// 9 words, 3 sentences, 11 syllables.
	if want := 206.835 - 1.015*9/3 - 84.6*11/9; words != 9 || ease < want-0.01 || ease > want+0.01 {
		t.Errorf("readability = %d words, %.2f; want 9, %.2f", words, ease, want)
	}
}
