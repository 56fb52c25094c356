package content

import (
	"strings"
	"testing"
	"testing/fstest"
)

// reformatted is validScenario written differently: other indentation, key
// order, quoting, block styles, flow style, comments, expression spacing.
const reformatted = `# The same scenario, written differently.
nodes:
    c: {ending: negative, text: "Bad."}
    b:
        text: |
            Good.

        ending: "positive"
    a:
        choices:
            - goto: b
              text: 'Go'
              set:
                  trust: trust+1   # no spaces
              score: {listening: 1}
            - {text: Stay, goto: c, if: "trust>=1"}
        text: >-
            Hi
start: a
variables: {trust: 0}
competencies: {listening: "Listening"}
summary: "  S.  "
title: T
id: t
`

func version(t *testing.T, file string) (string, []byte) {
	t.Helper()
	s, errs := ParseScenario("scenarios/t.yaml", []byte(file))
	if errs != nil {
		t.Fatalf("does not load:\n%v\n%s", errs, file)
	}
	return s.Version, s.Canonical
}

func TestScenarioVersionIgnoresFormatting(t *testing.T) {
	want, canon := version(t, validScenario)
	if got, other := version(t, reformatted); got != want {
		t.Fatalf("reformatting changed the version:\n%s\n%s", canon, other)
	}
	if got, _ := version(t, strings.ReplaceAll(validScenario, "\n", "\r\n")); got != want {
		t.Fatal("Windows line ends changed the version")
	}
	withAnd := strings.Replace(validScenario, `if: "trust >= 1"`, `if: "trust >= 1 and true"`, 1)
	withAmp := strings.Replace(validScenario, `if: "trust >= 1"`, `if: "(trust>=1) && true"`, 1)
	if a, _ := version(t, withAnd); a != mustVersion(t, withAmp) || a == want {
		t.Fatal("`and` and `&&` spell the same condition and must share a version (different from the original)")
	}
	// The canonical JSON is a scenario file in its own right, with the same
	// version.
	if got, _ := version(t, string(canon)); got != want {
		t.Fatalf("canonical JSON reloads with another version:\n%s", canon)
	}
}

func mustVersion(t *testing.T, file string) string {
	v, _ := version(t, file)
	return v
}

func TestScenarioVersionFollowsContent(t *testing.T) {
	base := mustVersion(t, validScenario)
	changes := map[string][2]string{
		"title":       {"title: T", "title: T2"},
		"summary":     {"summary: S.", "summary: S2."},
		"node text":   {"text: Hi", "text: Hello"},
		"markdown":    {"text: Hi", "text: \"*Hi*\""},
		"choice text": {"text: Go", "text: Go on"},
		"goto": {"goto: b\n        score: {listening: 1}\n        set: {trust: \"trust + 1\"}\n      - text: Stay\n        goto: c",
			"goto: c\n        score: {listening: 1}\n        set: {trust: \"trust + 1\"}\n      - text: Stay\n        goto: b"},
		"score":         {"{listening: 1}", "{listening: 2}"},
		"set":           {`"trust + 1"`, `"trust + 2"`},
		"if":            {`"trust >= 1"`, `"trust > 1"`},
		"ending":        {"ending: negative", "ending: mixed"},
		"debrief":       {"text: Bad.", "text: Worse."},
		"initial value": {"trust: 0", "trust: 1"},
		"label":         {"listening: Listening", "listening: Listening well"},
		"feedback":      {"        goto: c\n", "        goto: c\n        feedback: Hm.\n"},
		"speaker":       {"    text: Hi", "    speaker: Sam\n    text: Hi"},
		"warning":       {"summary: S.", "summary: S.\ncontent_warning: Loss."},
		"minutes":       {"summary: S.", "summary: S.\nminutes: 5"},
		"choice order": {"      - text: Go\n        goto: b\n        score: {listening: 1}\n        set: {trust: \"trust + 1\"}\n      - text: Stay\n        goto: c\n        if: \"trust >= 1\"\n",
			"      - text: Stay\n        goto: c\n        if: \"trust >= 1\"\n      - text: Go\n        goto: b\n        score: {listening: 1}\n        set: {trust: \"trust + 1\"}\n"},
	}
	seen := map[string]string{base: "original"}
	for name, ch := range changes {
		v := mustVersion(t, edit(t, ch[0], ch[1]))
		if prev, dup := seen[v]; dup {
			t.Errorf("%s: version %s same as %s", name, v, prev)
		}
		seen[v] = name
	}
}

func TestModuleVersion(t *testing.T) {
	load := func(fsys fstest.MapFS) *Module {
		t.Helper()
		cat, err := Load(fsys)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := cat.Module("m")
		return m
	}
	base := load(validModule())
	change := func(file, old, new string) fstest.MapFS {
		fsys := validModule()
		data := string(fsys[file].Data)
		if !strings.Contains(data, old) {
			t.Fatalf("%s has no %q", file, old)
		}
		fsys[file] = &fstest.MapFile{Data: []byte(strings.Replace(data, old, new, 1))}
		return fsys
	}

	same := map[string]fstest.MapFS{
		"explicit default pass mark": change("modules/m/module.yaml", "  - quiz:\n", "  - quiz:\n      pass_percent: 80\n"),
		"key order":                  change("modules/m/module.yaml", "title: M\nsummary: S.\n", "summary: S.\ntitle: M\n"),
		"lesson trailing lines":      change("modules/m/01-one.md", "Text.\n", "Text.\n\n\n"),
		"scenario formatting":        change("scenarios/t.yaml", validScenario, reformatted),
		"an unused file": func() fstest.MapFS {
			f := validModule()
			f["modules/m/notes.txt"] = &fstest.MapFile{Data: []byte("x")}
			return f
		}(),
	}
	for name, fsys := range same {
		if m := load(fsys); m.Version != base.Version {
			t.Errorf("%s changed the module version", name)
		}
	}
	differ := map[string]fstest.MapFS{
		"lesson text":     change("modules/m/01-one.md", "Text.", "More text."),
		"lesson title":    change("modules/m/01-one.md", "title: One", "title: Uno"),
		"scenario text":   change("scenarios/t.yaml", "text: Hi", "text: Hello"),
		"quiz feedback":   change("modules/m/module.yaml", `feedback: "Right."`, `feedback: "Yes."`),
		"correct answer":  change("modules/m/module.yaml", `{text: "Yes", correct: true, feedback: "Right."}`, `{text: "Yes", feedback: "Right."}`+"\n            - {text: \"Maybe\", correct: true}"),
		"completion rule": change("modules/m/module.yaml", "scenarios: positive", "scenarios: finished"),
		"outcome":         change("modules/m/module.yaml", "Know things", "Know more things"),
		"reflection":      change("modules/m/module.yaml", "What now?", "What next?"),
	}
	seen := map[string]string{base.Version: "original"}
	for name, fsys := range differ {
		v := load(fsys).Version
		if prev, dup := seen[v]; dup {
			t.Errorf("%s: version same as %s", name, prev)
		}
		seen[v] = name
	}
}
