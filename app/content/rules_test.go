package content

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// got lists errors as "RULE line:col" for exact comparison.
func got(errs Errors) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = fmt.Sprintf("%s %d:%d", e.Rule, e.Line, e.Col)
	}
	return out
}

// validScenario passes every rule; the cases below break it one way each.
const validScenario = `id: t
title: T
summary: S.
competencies:
  listening: Listening
variables:
  trust: 0
start: a
nodes:
  a:
    text: Hi
    choices:
      - text: Go
        goto: b
        score: {listening: 1}
        set: {trust: "trust + 1"}
      - text: Stay
        goto: c
        if: "trust >= 1"
  b:
    ending: positive
    text: Good.
  c:
    ending: negative
    text: Bad.
`

// edit replaces old with new in the valid scenario, failing loudly if the
// case no longer matches the file.
func edit(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(validScenario, old) {
		t.Fatalf("validScenario has no %q", old)
	}
	return strings.Replace(validScenario, old, new, 1)
}

func TestValidScenarioPasses(t *testing.T) {
	s, errs := ParseScenario("scenarios/t.yaml", []byte(validScenario))
	if errs != nil {
		t.Fatalf("unexpected errors:\n%v", errs)
	}
	if s.ID != "t" || s.Start != "a" || len(s.Nodes) != 3 || s.Version == "" || len(s.Canonical) == 0 {
		t.Fatalf("scenario not filled in: %+v", s)
	}
	c := s.Nodes["a"].Choices[1]
	if c.ID != 2 || c.If == nil || c.If.Source != "trust >= 1" {
		t.Fatalf("choice 2: %+v", c)
	}
}

func TestScenarioRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		file func(t *testing.T) string
		want []string // "RULE line:col", sorted by position
		msg  string   // a part of the first error's line
	}{
		{"S1 syntax", func(t *testing.T) string { return edit(t, "title: T", "title: [T") }, []string{"S1 3:1"}, "YAML syntax"},
		{"S1 duplicate key", func(t *testing.T) string { return edit(t, "summary: S.", "summary: S.\ntitle: U") }, []string{"S1 4:1"}, `duplicate key "title" (first at line 2)`},
		{"S1 unknown field", func(t *testing.T) string { return edit(t, "        goto: b", "        got: b") },
			[]string{"S4 13:9", "S1 14:9", "S5 20:3"}, `node "a", choice 1: S1 unknown field "got" in a choice (did you mean "goto"?)`},
		{"S1 wrong type", func(t *testing.T) string { return edit(t, "summary: S.", "summary: S.\nminutes: ten") }, []string{"S1 4:10"}, "minutes must be a whole number, not text"},
		{"S1 wrong type of node", func(t *testing.T) string { return edit(t, "    text: Bad.", "    text: {Bad: 1}") }, []string{"S1 25:11", "S10 25:11"}, "text must be text, not a mapping"},
		{"S1 unknown audience", func(t *testing.T) string { return edit(t, "summary: S.", "summary: S.\naudience: [line-manger]") }, []string{"S1 4:12"}, `(did you mean "line-manager"?)`},
		{"S2 id missing", func(t *testing.T) string { return edit(t, "id: t\n", "") }, []string{"S2 1:1"}, `id is missing; it must be "t"`},
		{"S2 not a slug", func(t *testing.T) string { return edit(t, "id: t", "id: T_x") }, []string{"S2 1:5"}, "is not a slug"},
		{"S2 not the file name", func(t *testing.T) string { return edit(t, "id: t", "id: u") }, []string{"S2 1:5"}, `id "u" is not the file name "t"`},
		{"S3 start missing", func(t *testing.T) string { return edit(t, "start: a\n", "") }, []string{"S3 1:1"}, "start is missing"},
		{"S3 start names no node", func(t *testing.T) string { return edit(t, "start: a", "start: b2") }, []string{"S3 8:8"}, `start "b2" names no node (did you mean "b"?)`},
		{"S4 goto names no node", func(t *testing.T) string {
			return strings.ReplaceAll(edit(t, "goto: b", "goto: lisen"), "  b:\n", "  listen:\n")
		}, []string{"S4 14:15"}, `scenarios/t.yaml:14:15: node "a", choice 1: S4 goto "lisen" names no node (did you mean "listen"?)`},
		// An empty goto once passed S4 and then crashed the play-through
		// check; it is an S4 problem like any other.
		{"S4 empty goto", func(t *testing.T) string { return edit(t, "goto: b", `goto: ""`) }, []string{"S4 14:15", "S5 20:3"}, `S4 goto is empty: name the node this choice leads to`},
		{"S5 unreachable", func(t *testing.T) string { return validScenario + "  d:\n    ending: mixed\n    text: Lost.\n" }, []string{"S5 26:3"}, `node "d": S5 cannot be reached from start "a"`},
		{"S6 no choices", func(t *testing.T) string { return edit(t, "    ending: negative\n", "") }, []string{"S6 23:3"}, "has no choices and is not an ending"},
		{"S6 ending with choices", func(t *testing.T) string {
			return edit(t, "    text: Bad.", "    text: Bad.\n    choices:\n      - {text: Again, goto: a}")
		}, []string{"S6 26:5"}, "an ending has choices"},
		{"S6 unknown ending", func(t *testing.T) string { return edit(t, "ending: negative", "ending: negatve") }, []string{"S6 24:13"}, `ending "negatve" is not one of positive, mixed, negative (did you mean "negative"?)`},
		{"S7 static trap", func(t *testing.T) string {
			return edit(t, "        goto: c", "        goto: d") + "  d:\n    text: Round.\n    choices:\n      - {text: Again, goto: d}\n"
		}, []string{"S5 23:3", "S7 26:3"}, `node "d": S7 no ending can be reached`},
		{"S7 no choice on offer", func(t *testing.T) string {
			return edit(t, "        goto: b\n", "        goto: b\n        if: \"trust > 5\"\n")
		}, []string{"S7 10:3"}, "arrive here (when trust = 0) with no choice on offer"},
		{"S7 conditions leave only a loop", func(t *testing.T) string {
			return "id: t\ntitle: T\nsummary: S.\nvariables:\n  trust: 0\nstart: a\nnodes:\n  a:\n    text: Hi\n    choices:\n" +
				"      - {text: Go, goto: b, if: \"trust >= 1\"}\n      - {text: Wait, goto: a}\n  b:\n    ending: positive\n    text: Good.\n"
		}, []string{"S7 8:3"}, `node "a": S7 the learner can arrive here (when trust = 0), and the choices then on offer never lead to an ending`},
		{"S7 too many states to play through", func(t *testing.T) string {
			return "id: t\ntitle: T\nsummary: S.\nvariables:\n  n: 0\nstart: a\nnodes:\n  a:\n    text: A\n    choices:\n" +
				"      - {text: More, goto: a, set: {n: \"n + 1\"}}\n      - {text: On, goto: b}\n" +
				"  b:\n    text: B\n    choices:\n      - {text: End, goto: c, if: \"n >= 0\"}\n  c:\n    ending: positive\n    text: Good.\n"
		}, []string{"S7 13:3"}, `node "b": S7 every choice here has an "if", and the variables take over 10000 combinations`},
		{"S8 no positive ending", func(t *testing.T) string { return edit(t, "ending: positive", "ending: mixed") }, []string{"S8 9:1"}, "no positive ending"},
		{"S8 no ending", func(t *testing.T) string {
			return "id: t\ntitle: T\nsummary: S.\nstart: a\nnodes:\n  a:\n    text: Hi\n    choices: [{text: Again, goto: a}]\n"
		}, []string{"S8 5:1", "S7 6:3"}, "no ending; mark at least one"},
		{"S9 undeclared competency", func(t *testing.T) string { return edit(t, "{listening: 1}", "{listenin: 1}") }, []string{"S9 15:17"}, `score "listenin" is not a declared competency (did you mean "listening"?)`},
		{"S9 undeclared variable in if", func(t *testing.T) string { return edit(t, `"trust >= 1"`, `"trus >= 1"`) }, []string{"S9 19:13"}, `undeclared variable "trus" (did you mean "trust"?)`},
		{"S9 if not boolean", func(t *testing.T) string { return edit(t, `"trust >= 1"`, `"trust + 1"`) }, []string{"S9 19:13"}, "gives a whole number, but must give true/false"},
		{"S9 set wrong type", func(t *testing.T) string { return edit(t, `"trust + 1"`, `"trust > 1"`) }, []string{"S9 16:22"}, "gives true/false, but must give a whole number"},
		{"S9 set decimal", func(t *testing.T) string { return edit(t, `"trust + 1"`, `"trust / 2"`) }, []string{"S9 16:22"}, `uses operator "/"`},
		{"S9 set undeclared variable", func(t *testing.T) string { return edit(t, `{trust: "trust + 1"}`, `{trusts: "1"}`) }, []string{"S9 16:15"}, `set names undeclared variable "trusts" (did you mean "trust"?)`},
		{"S9 function call", func(t *testing.T) string { return edit(t, `"trust >= 1"`, `"len([1]) > 0"`) }, []string{"S9 19:13"}, "uses a function call"},
		{"S9 remainder by zero", func(t *testing.T) string { return edit(t, `"trust >= 1"`, `"trust % 0 == 1"`) }, []string{"S9 19:13"}, "uses %"},
		{"S9 does not parse", func(t *testing.T) string { return edit(t, `"trust >= 1"`, `"trust >="`) }, []string{"S9 19:13"}, "does not parse"},
		{"S9 reserved variable name", func(t *testing.T) string { return edit(t, "  trust: 0", "  trust: 0\n  in: 1") }, []string{"S9 8:3"}, `variable name "in" is a reserved word`},
		{"S10 empty title", func(t *testing.T) string { return edit(t, "title: T", "title: \"  \"") }, []string{"S10 2:8"}, "title is empty"},
		{"S10 empty node text", func(t *testing.T) string { return edit(t, "    text: Hi", "    text: \"\"") }, []string{"S10 11:11"}, "text is empty"},
		{"S10 missing choice text", func(t *testing.T) string { return edit(t, "      - text: Stay\n        goto: c", "      - goto: c") }, []string{"S10 17:9"}, `node "a", choice 2: S10 text is empty`},
		{"S10 raw HTML", func(t *testing.T) string { return edit(t, "    text: Hi", "    text: Hi <b>there</b>") }, []string{"S10 11:11"}, "raw HTML (<b>)"},
		{"S11 too many choices", func(t *testing.T) string {
			return edit(t, "      - text: Stay", strings.Repeat("      - {text: More, goto: c}\n", 10)+"      - text: Stay")
		}, []string{"S11 12:5"}, "12 choices, over the limit of 10"},
		{"S11 text too long", func(t *testing.T) string { return edit(t, "    text: Hi", "    text: "+strings.Repeat("a", 20001)) }, []string{"S11 11:11"}, "over the limit of 20000"},
		{"S11 expression too long", func(t *testing.T) string { return edit(t, `"trust >= 1"`, `"trust >= 1`+strings.Repeat(" ", 1000)+`"`) }, []string{"S11 19:13"}, "is over the limit of 1000 characters"},
		{"S11 file too large", func(t *testing.T) string { return validScenario + "# " + strings.Repeat("x", 1<<20) }, []string{"S11 1:1"}, "over the limit"},
		{"S11 too many nodes", func(t *testing.T) string {
			var b strings.Builder
			b.WriteString(edit(t, "        goto: c", "        goto: n0"))
			for i := range 500 {
				fmt.Fprintf(&b, "  n%d:\n    text: N.\n    choices: [{text: On, goto: %s}]\n", i, map[bool]string{true: "c", false: fmt.Sprintf("n%d", i+1)}[i == 499])
			}
			return b.String()
		}, []string{"S11 9:1"}, "503 nodes, over the limit of 500"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, errs := ParseScenario("scenarios/t.yaml", []byte(tc.file(t)))
			if s != nil {
				t.Fatalf("a broken scenario loaded")
			}
			if g := got(errs); !slices.Equal(g, tc.want) {
				t.Fatalf("errors = %v, want %v\n%v", g, tc.want, errs)
			}
			if !strings.Contains(errs.Error(), tc.msg) {
				t.Fatalf("errors do not say %q:\n%v", tc.msg, errs)
			}
		})
	}
}

func TestScenarioReportsEveryProblem(t *testing.T) {
	file := `id: wrong
title: ""
summary: S.
start: a
nodes:
  a:
    text: Hi
    choices:
      - text: Go
        goto: bb
        got: x
  b:
    ending: great
    text: Hm.
`
	_, errs := ParseScenario("scenarios/t.yaml", []byte(file))
	// The misspelt goto is followed to the node it meant, so it is not
	// reported again as an unreachable node or a trap.
	want := []string{"S2 1:5", "S10 2:8", "S8 5:1", "S4 10:15", "S1 11:9", "S6 13:13"}
	if g := got(errs); !slices.Equal(g, want) {
		t.Fatalf("errors = %v, want %v\n%v", got(errs), want, errs)
	}
	// One line per problem, in file order.
	lines := strings.Split(errs.Error(), "\n")
	if len(lines) != len(want) || !strings.HasPrefix(lines[0], "scenarios/t.yaml:1:5: S2 ") {
		t.Fatalf("Error() =\n%s", errs.Error())
	}
}

// validModule is a module tree passing every rule, over validScenario.
func validModule() fstest.MapFS {
	return fstest.MapFS{
		"scenarios/t.yaml": {Data: []byte(validScenario)},
		"modules/m/module.yaml": {Data: []byte(`id: m
title: M
summary: S.
outcomes: ["Know things"]
confidence: ["I know things"]
steps:
  - lesson: 01-one.md
  - scenario: t
  - quiz:
      questions:
        - prompt: Q?
          options:
            - {text: "Yes", correct: true, feedback: "Right."}
            - {text: "No", feedback: "No."}
  - reflection: "What now?"
completion:
  scenarios: positive
`)},
		"modules/m/01-one.md": {Data: []byte("---\ntitle: One\n---\n\n# Key points\n\nText.\n")},
	}
}

func TestValidModulePasses(t *testing.T) {
	cat, err := Load(validModule())
	if err != nil {
		t.Fatal(err)
	}
	m, ok := cat.Module("m")
	if !ok || len(m.Steps) != 4 || m.Completion.Scenarios != "positive" || m.Steps[2].Quiz.PassPercent != DefaultPassPercent {
		t.Fatalf("module: %+v", m)
	}
	ids := []string{}
	for _, st := range m.Steps {
		ids = append(ids, st.ID)
	}
	if want := []string{"lesson:01-one", "scenario:t", "quiz:1", "reflection:1"}; !slices.Equal(ids, want) {
		t.Fatalf("step ids %v, want %v", ids, want)
	}
	if l := m.Lessons()[0]; l.Title != "One" || !slices.Equal(l.Headings, []string{"Key points"}) || !strings.Contains(string(l.HTML), "<h1>Key points</h1>") {
		t.Fatalf("lesson: %+v", l)
	}
}

func TestModuleRules(t *testing.T) {
	t.Parallel()
	modYAML := string(validModule()["modules/m/module.yaml"].Data)
	// with is the valid module with one file's content replaced.
	with := func(name, data string) fstest.MapFS {
		fsys := validModule()
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
		return fsys
	}
	medit := func(t *testing.T, old, new string) fstest.MapFS {
		t.Helper()
		if !strings.Contains(modYAML, old) {
			t.Fatalf("module has no %q", old)
		}
		return with("modules/m/module.yaml", strings.Replace(modYAML, old, new, 1))
	}
	cases := []struct {
		name string
		fsys func(t *testing.T) fstest.MapFS
		want []string // "path RULE line:col"
		msg  string
	}{
		{"M1 syntax", func(t *testing.T) fstest.MapFS { return medit(t, "title: M", "title: {M") }, []string{"modules/m/module.yaml M1 2:9"}, "YAML syntax"},
		{"M1 unknown field", func(t *testing.T) fstest.MapFS { return medit(t, "summary: S.", "summary: S.\nrefresher_month: 12") },
			[]string{"modules/m/module.yaml M1 4:1"}, `unknown field "refresher_month" in the module (did you mean "refresher_months"?)`},
		{"M1 duplicate key", func(t *testing.T) fstest.MapFS { return medit(t, "summary: S.", "summary: S.\nsummary: T.") }, []string{"modules/m/module.yaml M1 4:1"}, "duplicate key"},
		{"M1 step of two kinds", func(t *testing.T) fstest.MapFS {
			return medit(t, "  - scenario: t", "  - scenario: t\n    lesson: 01-one.md")
		},
			[]string{"modules/m/module.yaml M1 8:5"}, "step 2: M1 a step is exactly one of"},
		{"M1 bad completion", func(t *testing.T) fstest.MapFS { return medit(t, "scenarios: positive", "scenarios: postive") },
			[]string{"modules/m/module.yaml M1 17:14"}, `(did you mean "positive"?)`},
		{"M2 not the folder name", func(t *testing.T) fstest.MapFS { return medit(t, "id: m", "id: n") }, []string{"modules/m/module.yaml M2 1:5"}, `id "n" is not the folder name "m"`},
		{"M2 no module.yaml", func(t *testing.T) fstest.MapFS {
			fsys := validModule()
			fsys["modules/m/module.yml"] = fsys["modules/m/module.yaml"]
			delete(fsys, "modules/m/module.yaml")
			return fsys
		}, []string{"modules/m/module.yaml M2 1:1"}, "rename module.yml to module.yaml"},
		{"M3 lesson missing", func(t *testing.T) fstest.MapFS { return medit(t, "lesson: 01-one.md", "lesson: 01-on.md") },
			[]string{"modules/m/module.yaml M3 7:13"}, `step 1: M3 lesson "01-on.md" not found in modules/m (did you mean "01-one.md"?)`},
		{"M3 lesson without front matter", func(t *testing.T) fstest.MapFS {
			return with("modules/m/01-one.md", "# One\n\nText.\n")
		}, []string{"modules/m/01-one.md M3 1:1"}, "must start with front matter"},
		{"M3 lesson without title", func(t *testing.T) fstest.MapFS {
			return with("modules/m/01-one.md", "---\ntitel: One\n---\nText.\n")
		}, []string{"modules/m/01-one.md M3 2:1", "modules/m/01-one.md M3 2:1"}, "title is empty"},
		{"M3 lesson with raw HTML", func(t *testing.T) fstest.MapFS {
			return with("modules/m/01-one.md", "---\ntitle: One\n---\n\nText.\n\n<script>alert(1)</script>\n")
		}, []string{"modules/m/01-one.md M3 7:1"}, "raw HTML (<script>alert(1)</script>)"},
		{"M3 lesson twice", func(t *testing.T) fstest.MapFS {
			return medit(t, "  - scenario: t", "  - lesson: 01-one.md\n  - scenario: t")
		},
			[]string{"modules/m/module.yaml M3 8:13"}, "lesson is already step 1"},
		{"M4 unknown scenario", func(t *testing.T) fstest.MapFS { return medit(t, "scenario: t", "scenario: tt") },
			[]string{"modules/m/module.yaml M4 8:15"}, `scenario "tt" names no scenario (did you mean "t"?)`},
		{"M4 broken scenario", func(t *testing.T) fstest.MapFS {
			return with("scenarios/t.yaml", strings.Replace(validScenario, "goto: b", "goto: x", 1))
		}, []string{"modules/m/module.yaml M4 8:15", "scenarios/t.yaml S4 14:15", "scenarios/t.yaml S5 20:3"}, "does not pass its own rules (see scenarios/t.yaml)"},
		{"M5 no questions", func(t *testing.T) fstest.MapFS {
			return medit(t, "      questions:\n        - prompt: Q?\n          options:\n            - {text: \"Yes\", correct: true, feedback: \"Right.\"}\n            - {text: \"No\", feedback: \"No.\"}\n",
				"      questions: []\n")
		}, []string{"modules/m/module.yaml M5 10:7"}, "step 3: M5 the quiz has no questions"},
		{"M5 one option", func(t *testing.T) fstest.MapFS {
			return medit(t, "            - {text: \"No\", feedback: \"No.\"}\n", "")
		},
			[]string{"modules/m/module.yaml M5 12:11"}, "step 3, question 1: M5 a question needs at least two options, not 1"},
		{"M5 two correct", func(t *testing.T) fstest.MapFS { return medit(t, `{text: "No",`, `{text: "No", correct: true,`) },
			[]string{"modules/m/module.yaml M5 12:11"}, "exactly one option must be correct: true, not 2"},
		{"M5 no correct", func(t *testing.T) fstest.MapFS { return medit(t, `correct: true, `, ``) },
			[]string{"modules/m/module.yaml M5 12:11"}, "not 0"},
		{"M5 pass mark", func(t *testing.T) fstest.MapFS {
			return medit(t, "  - quiz:\n", "  - quiz:\n      pass_percent: 120\n")
		},
			[]string{"modules/m/module.yaml M5 10:21"}, "pass_percent 120 is not between 0 and 100"},
		{"M6 no steps", func(t *testing.T) fstest.MapFS {
			return with("modules/m/module.yaml", "id: m\ntitle: M\nsummary: S.\nsteps: []\n")
		}, []string{"modules/m/module.yaml M6 4:1"}, "M6 the module has no steps"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sum := Check(tc.fsys(t))
			var g []string
			for _, e := range sum.Errors {
				g = append(g, fmt.Sprintf("%s %s %d:%d", e.Path, e.Rule, e.Line, e.Col))
			}
			if !slices.Equal(g, tc.want) {
				t.Fatalf("errors = %v, want %v\n%v", g, tc.want, sum.Errors)
			}
			if !strings.Contains(sum.Errors.Error(), tc.msg) {
				t.Fatalf("errors do not say %q:\n%v", tc.msg, sum.Errors)
			}
			if _, err := Load(tc.fsys(t)); err == nil {
				t.Fatal("Load accepted a broken module")
			}
		})
	}
}
