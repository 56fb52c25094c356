package content

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// vocabFile is a valid vocabulary with the key validScenario uses.
const vocabFile = `competencies:
  listening:
    label: Listening
    definition: Letting them speak.
  support:
    label: Support
    definition: Checking in.
`

// The competency vocabulary rule: with modules/competencies.yaml in the
// tree, every scenario's competency keys and labels come from it (S13);
// the file itself must be well formed (V1); without it there is no rule.
func TestCompetencyVocabulary(t *testing.T) {
	cases := []struct {
		name     string
		vocab    string // "" for no vocabulary file
		scenario string
		want     []string // "path RULE line:col"
		msg      string   // a phrase the first error must contain
	}{
		{name: "valid", vocab: vocabFile, scenario: validScenario},
		{name: "no vocabulary file, no rule", vocab: "",
			scenario: strings.ReplaceAll(edit(t, "  listening: Listening", "  empathy: Whatever"), "listening", "empathy")},
		{name: "unknown key", vocab: vocabFile,
			scenario: strings.ReplaceAll(validScenario, "listening", "listenning"),
			want:     []string{"scenarios/t.yaml S13 5:3"}, msg: `competency "listenning" is not in the vocabulary (modules/competencies.yaml) (did you mean "listening"?)`},
		{name: "unknown key far from any", vocab: vocabFile,
			scenario: strings.ReplaceAll(validScenario, "listening", "empathy"),
			want:     []string{"scenarios/t.yaml S13 5:3"}, msg: "its keys are listening, support"},
		{name: "wrong label", vocab: vocabFile,
			scenario: edit(t, "  listening: Listening", "  listening: Active listening"),
			want:     []string{"scenarios/t.yaml S13 5:14"}, msg: `the vocabulary's label is "Listening"`},
		{name: "unknown field", vocab: vocabFile + "    defintion: x\n", scenario: validScenario,
			want: []string{"modules/competencies.yaml V1 8:5"}, msg: `(did you mean "definition"?)`},
		{name: "unknown top-level field", vocab: "version: 1\n" + vocabFile, scenario: validScenario,
			want: []string{"modules/competencies.yaml V1 1:1"}, msg: `unknown field "version"`},
		{name: "duplicate key", vocab: vocabFile + "  listening:\n    label: L\n    definition: D\n", scenario: validScenario,
			want: []string{"modules/competencies.yaml V1 8:3"}, msg: `duplicate key "listening"`},
		{name: "empty label", vocab: strings.Replace(vocabFile, "label: Support", `label: ""`, 1), scenario: validScenario,
			want: []string{"modules/competencies.yaml V1 6:12"}, msg: "label is empty"},
		{name: "empty definition", vocab: strings.Replace(vocabFile, "definition: Checking in.", "definition:", 1), scenario: validScenario,
			want: []string{"modules/competencies.yaml V1 7:5"}, msg: "definition is"},
		{name: "missing definition", vocab: strings.Replace(vocabFile, "    definition: Checking in.\n", "", 1), scenario: validScenario,
			want: []string{"modules/competencies.yaml V1 5:3"}, msg: "definition is missing"},
		{name: "key not slug-like", vocab: vocabFile + "  Follow-Up:\n    label: F\n    definition: D\n", scenario: validScenario,
			want: []string{"modules/competencies.yaml V1 8:3"}, msg: `key "Follow-Up" must be`},
		{name: "entry not a mapping", vocab: vocabFile + "  followup: Following up\n", scenario: validScenario,
			want: []string{"modules/competencies.yaml V1 8:13"}, msg: "must be a mapping"},
		{name: "no competencies", vocab: "# nothing yet\n{}\n", scenario: validScenario,
			want: []string{"modules/competencies.yaml V1 1:1"}, msg: "competencies is missing"},
		{name: "not YAML", vocab: "competencies: [\n", scenario: validScenario,
			want: []string{"modules/competencies.yaml V1 1:15"}, msg: "YAML syntax"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fsys := fstest.MapFS{"scenarios/t.yaml": {Data: []byte(c.scenario)}}
			if c.vocab != "" {
				fsys[VocabularyPath] = &fstest.MapFile{Data: []byte(c.vocab)}
			}
			sum := Check(fsys)
			var g []string
			for _, e := range sum.Errors {
				g = append(g, e.Path+" "+got(Errors{e})[0])
			}
			if !slices.Equal(g, c.want) {
				t.Fatalf("errors %q, want %q:\n%v", g, c.want, sum.Errors)
			}
			if c.msg != "" && !strings.Contains(sum.Errors[0].Error(), c.msg) {
				t.Errorf("%q does not say %q", sum.Errors[0].Error(), c.msg)
			}
		})
	}
}

// An organisation's content over the library is not held to the library's
// vocabulary: its scenarios may declare their own keys and labels. The
// catalogue it gives keeps the library's vocabulary.
func TestVocabularyOverLibrary(t *testing.T) {
	lib, err := Load(fstest.MapFS{
		VocabularyPath:     {Data: []byte(vocabFile)},
		"scenarios/t.yaml": {Data: []byte(validScenario)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := lib.Vocabulary.Lookup("listening"); !ok || d.Definition != "Letting them speak." {
		t.Fatalf("Lookup(listening) = %v, %v", d, ok)
	}
	own := strings.ReplaceAll(strings.Replace(validScenario, "id: t", "id: u", 1), "listening: Listening", "empathy: Empathy")
	own = strings.ReplaceAll(own, "listening", "empathy")
	cat, sum := LoadOver(lib, fstest.MapFS{"scenarios/u.yaml": {Data: []byte(own)}}, "org")
	if len(sum.Errors) > 0 {
		t.Fatal(sum.Errors)
	}
	if cat.Vocabulary != lib.Vocabulary {
		t.Error("the catalogue over the library lost the library's vocabulary")
	}
}

// The library's own vocabulary is well formed and every library scenario
// draws from it (Load runs the rule; this pins that the file is there).
func TestLibraryVocabulary(t *testing.T) {
	cat := repository(t)
	if cat.Vocabulary == nil || len(cat.Vocabulary.Competencies) == 0 {
		t.Fatal("the library has no competency vocabulary")
	}
}

// A scenario with other problems is still checked against the vocabulary,
// so a misspelt competency key gets the vocabulary's key to use.
func TestVocabularyCheckedInBrokenScenario(t *testing.T) {
	broken := strings.ReplaceAll(validScenario, "listening", "listenning") + "  d:\n    text: Unreachable.\n    ending: mixed\n"
	sum := Check(fstest.MapFS{
		VocabularyPath:     {Data: []byte(vocabFile)},
		"scenarios/t.yaml": {Data: []byte(broken)},
	})
	var g []string
	for _, e := range sum.Errors {
		g = append(g, got(Errors{e})[0])
	}
	if !slices.Contains(g, "S13 5:3") || !slices.Contains(g, "S5 26:3") {
		t.Fatalf("errors %q, want the vocabulary's S13 beside the file's S5:\n%v", g, sum.Errors)
	}
}
