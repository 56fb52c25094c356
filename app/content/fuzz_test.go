package content

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// checkErrors asserts what every error must be, whatever the input: a
// position in the file, a rule, and one line.
func checkErrors(t *testing.T, errs Errors) {
	t.Helper()
	for _, e := range errs {
		if e.Line < 1 || e.Col < 1 || e.Rule == "" || e.Msg == "" || e.Path == "" {
			t.Fatalf("incomplete error %#v", e)
		}
		if strings.ContainsAny(e.Error(), "\n\r") {
			t.Fatalf("error spans lines: %q", e.Error())
		}
	}
}

// addFiles seeds a fuzz target with the repository's files of one kind, so
// the fuzzer starts from real content.
func addFiles(f *testing.F, pattern string, add func(data []byte)) {
	files, _ := filepath.Glob(filepath.Join("..", "..", pattern))
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		add(data)
	}
}

// conditionalSeeds are scenarios using conditional text, routed gotos and
// disqualifying flags, valid and broken, so the fuzzers start from the new
// forms too.
func conditionalSeeds() []string {
	return []string{
		secretScenario,
		strings.Replace(secretScenario, "    text: Sam asks you to keep it secret.", "    text: [Sam asks you to keep it secret.]", 1),
		strings.Replace(secretScenario, "            node: mixed", "            node: mixd", 1),
		strings.Replace(secretScenario, "          - node: good", "          - {node: good, if: corrected}", 1),
		strings.Replace(secretScenario, "      - if: corrected", "      - if: \"corrected && !promised\"", 1),
		strings.Replace(secretScenario, "      - Well done.\n", "", 1),
		strings.Replace(secretScenario, "      - Sam goes on.", "      - [Sam goes on.]", 1),
		flagScenario,
		strings.Replace(flagScenario, "        set: {promised: false}\n", "", 1),
		strings.Replace(flagScenario, "[promised]", "[promised, n, nobody]", 1),
		"id: t\ntitle: T\nsummary: S.\nvariables: {n: 0}\nstart: a\nnodes:\n  a:\n    text: [A, {if: \"n > 0\", text: B}]\n" +
			"    choices:\n      - {text: Go, goto: [{if: \"n == 0\", node: a}, {node: w}], set: {n: \"n + 1\"}}\n  w: {ending: positive, text: W}\n",
	}
}

// FuzzParseScenario: any input loads or gives well-formed errors, never
// panics or hangs; a scenario that loads reloads from its canonical JSON
// with the same version, and plays: in every state the walk reaches (up to
// a bound), the node's text shows at least one part, and every choice on
// offer leads to a node by a route it has.
func FuzzParseScenario(f *testing.F) {
	f.Add([]byte(validScenario))
	f.Add([]byte(reformatted))
	for _, s := range conditionalSeeds() {
		f.Add([]byte(s))
	}
	addFiles(f, "scenarios/*.yaml", func(data []byte) { f.Add(data) })
	f.Fuzz(func(t *testing.T, data []byte) {
		s, errs := ParseScenario("scenarios/t.yaml", data)
		checkErrors(t, errs)
		if (s == nil) == (errs == nil) {
			t.Fatalf("scenario %v with errors %v", s != nil, errs)
		}
		if s == nil {
			return
		}
		again, errs := ParseScenario("scenarios/t.yaml", s.Canonical)
		if errs != nil || again.Version != s.Version {
			t.Fatalf("canonical JSON does not reload to the same version: %v\n%s", errs, s.Canonical)
		}
		err := s.Walk(200, func(r *Reached) bool {
			parts, _, err := r.Text(s.Nodes[r.Node])
			if err != nil {
				t.Fatalf("text at %q: %v", r.Node, err)
			}
			if len(parts) == 0 {
				t.Fatalf("a scenario that loaded shows no text at %q with %v", r.Node, r.Vars)
			}
			for _, m := range r.Moves {
				if s.Nodes[m.To.Node] == nil {
					t.Fatalf("choice %d at %q leads to unknown node %q", m.Choice.ID, r.Node, m.To.Node)
				}
				if m.Route < 0 || m.Route > len(m.Choice.Routes) || (m.Route == 0) != (len(m.Choice.Routes) == 0) {
					t.Fatalf("move by route %d of %d", m.Route, len(m.Choice.Routes))
				}
			}
			return true
		})
		if err != nil && !errors.Is(err, ErrTooManyStates) {
			t.Fatalf("a scenario that loaded does not play: %v", err)
		}
	})
}

// FuzzParseDraft: any input gives a draft or errors, never a panic; the
// graph problems of a draft name its own nodes and choices.
func FuzzParseDraft(f *testing.F) {
	f.Add([]byte(validScenario))
	f.Add([]byte(brokenDraft))
	for _, s := range conditionalSeeds() {
		f.Add([]byte(s))
	}
	addFiles(f, "scenarios/*.yaml", func(data []byte) { f.Add(data) })
	f.Fuzz(func(t *testing.T, data []byte) {
		s, errs := ParseDraft("scenarios/t.yaml", data)
		checkErrors(t, errs)
		if s == nil {
			if errs == nil {
				t.Fatal("neither a draft nor errors")
			}
			return
		}
		if errs != nil && s.Version != "" {
			t.Fatalf("a draft with errors has version %q", s.Version)
		}
		p := s.GraphProblems()
		for _, id := range append(p.Unreachable, p.Traps...) {
			if s.Nodes[id] == nil {
				t.Fatalf("problem names unknown node %q", id)
			}
		}
		for _, m := range p.Missing {
			n := s.Nodes[m.Node]
			if n == nil || m.Choice < 1 || m.Choice > len(n.Choices) {
				t.Fatalf("missing target at unknown choice %+v", m)
			}
			c := n.Choices[m.Choice-1]
			if m.Route < 0 || m.Route > len(c.Routes) || (m.Route == 0) != (len(c.Routes) == 0) || c.Targets()[max(m.Route, 1)-1].Node != m.Goto {
				t.Fatalf("missing target at unknown route %+v of %+v", m, c.Targets())
			}
		}
		for _, id := range s.NodeIDs {
			for _, part := range s.Nodes[id].Parts {
				if part.Text == "" {
					t.Fatalf("node %q has an empty part", id)
				}
			}
		}
	})
}

// FuzzLoadModule: any module.yaml and lesson load or give well-formed
// errors, never a panic or a hang.
func FuzzLoadModule(f *testing.F) {
	good := validModule()
	f.Add(good["modules/m/module.yaml"].Data, good["modules/m/01-one.md"].Data)
	var lessons [][]byte
	addFiles(f, "modules/*/*.md", func(data []byte) { lessons = append(lessons, data) })
	i := 0
	addFiles(f, "modules/*/module.yaml", func(data []byte) {
		if len(lessons) > 0 {
			f.Add(data, lessons[i%len(lessons)])
			i++
		}
	})
	f.Fuzz(func(t *testing.T, module, lesson []byte) {
		fsys := validModule()
		fsys["modules/m/module.yaml"] = &fstest.MapFile{Data: module}
		fsys["modules/m/01-one.md"] = &fstest.MapFile{Data: lesson}
		sum := Check(fsys)
		checkErrors(t, sum.Errors)
		cat, err := Load(fsys)
		if (err == nil) != (len(sum.Errors) == 0) {
			t.Fatalf("Load and Check disagree: %v / %v", err, sum.Errors)
		}
		if err == nil {
			for _, m := range cat.Modules {
				if m.Version == "" || len(m.Canonical) == 0 {
					t.Fatalf("module %q without a version", m.ID)
				}
			}
		}
	})
}

// FuzzParseVocabulary: any competency vocabulary parses or gives
// well-formed errors, never a panic or a hang; one that parses has a
// well-formed, labelled and defined entry for each key, in key order, and
// finds each by its key.
func FuzzParseVocabulary(f *testing.F) {
	addFiles(f, VocabularyPath, func(data []byte) { f.Add(data) })
	for _, seed := range []string{
		"competencies:\n  listening: {label: Listening, definition: Hearing the person out.}\n",
		"competencies:\n  listening: {label: Listening}\n",
		"competencies:\n  Listening: {label: L, definition: D}\n  a__b: {label: L, definition: D}\n",
		"competencies:\n  a: &x {label: L, definition: D}\n  b: *x\n",
		"competencies: []\n",
		"competencies:\n",
		"other: 1\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, errs := ParseVocabulary(VocabularyPath, data)
		checkErrors(t, errs)
		if (v == nil) == (len(errs) == 0) {
			t.Fatalf("a vocabulary %v with errors %v", v, errs)
		}
		if v == nil {
			return
		}
		for i, d := range v.Competencies {
			if !vocabKey.MatchString(d.Key) || d.Label == "" || d.Definition == "" {
				t.Fatalf("entry %+v", d)
			}
			if i > 0 && v.Competencies[i-1].Key >= d.Key {
				t.Fatalf("keys out of order: %q then %q", v.Competencies[i-1].Key, d.Key)
			}
			if got, ok := v.Lookup(d.Key); !ok || got != d {
				t.Fatalf("Lookup(%q) = %+v, %v", d.Key, got, ok)
			}
		}
	})
}
