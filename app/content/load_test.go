package content

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadSkipsWhatIsNotContent(t *testing.T) {
	fsys := validModule()
	other := strings.Replace(validScenario, "id: t", "id: unused", 1)
	for name, data := range map[string]string{
		"scenarios/unused.yaml":        other, // used by no module: still loads
		"scenarios/README.md":          "# Scenarios",
		"scenarios/_draft.yaml":        "not: [valid",
		"scenarios/.hidden.yaml":       "not: [valid",
		"scenarios/old/x.yaml":         "not: [valid",
		"scenarios/story.twee":         ":: Start",
		"modules/README.md":            "# Courses",
		"modules/_ideas/module.yaml":   "not: [valid",
		"modules/m/notes.txt":          "scratch",
		"modules/m/99-unused-draft.md": "no front matter <b>",
	} {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	sum := Check(fsys)
	if len(sum.Errors) != 0 || sum.Modules != 1 || sum.Scenarios != 2 {
		t.Fatalf("summary %+v", sum)
	}
	cat, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range cat.Scenarios {
		ids = append(ids, s.ID)
	}
	if !slices.Equal(ids, []string{"t", "unused"}) {
		t.Fatalf("scenarios %v", ids)
	}
	if s, ok := cat.Scenario("unused"); !ok || s.Path != "scenarios/unused.yaml" {
		t.Fatalf("Scenario(unused) = %v, %v", s, ok)
	}
	if _, ok := cat.Scenario("nope"); ok {
		t.Fatal("found a scenario that does not exist")
	}
	if _, ok := cat.Module("nope"); ok {
		t.Fatal("found a module that does not exist")
	}
	if m, _ := cat.Module("m"); m.Scenarios()[0] != cat.Scenarios[0] {
		t.Fatal("a module's scenario is not the catalogue's")
	}
}

func TestLoadReportsYmlFiles(t *testing.T) {
	fsys := fstest.MapFS{"scenarios/t.yml": {Data: []byte(validScenario)}}
	_, err := Load(fsys)
	errs, ok := err.(Errors)
	if !ok || len(errs) != 1 || errs[0].Error() != "scenarios/t.yml:1:1: S2 scenario files must end in .yaml; rename it to t.yaml" {
		t.Fatalf("err = %v", err)
	}
}

func TestLoadEmptyTree(t *testing.T) {
	cat, err := Load(fstest.MapFS{})
	if err != nil || len(cat.Modules) != 0 || len(cat.Scenarios) != 0 {
		t.Fatalf("empty tree: %v, %v", cat, err)
	}
}

func TestQuizPassed(t *testing.T) {
	q := &Quiz{PassPercent: 80, Questions: make([]*Question, 6)}
	// 5 of 6 is 83%, 4 of 6 is 67%.
	if !q.Passed(5) || q.Passed(4) {
		t.Fatal("pass mark at 80% of 6 questions is 5")
	}
	if (&Quiz{PassPercent: 0, Questions: make([]*Question, 3)}).Passed(0) != true {
		t.Fatal("a 0% pass mark is always met")
	}
	c := Completion{Scenarios: "positive"}
	if c.Counts(Mixed) || !c.Counts(Positive) || !(Completion{Scenarios: "finished"}).Counts(Negative) || (Completion{Scenarios: "finished"}).Counts("") {
		t.Fatal("Completion.Counts")
	}
}
