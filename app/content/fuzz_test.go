package content

import (
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

// FuzzParseScenario: any input loads or gives well-formed errors, never
// panics or hangs; a scenario that loads reloads from its canonical JSON
// with the same version.
func FuzzParseScenario(f *testing.F) {
	f.Add([]byte(validScenario))
	f.Add([]byte(reformatted))
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
	})
}

// FuzzParseDraft: any input gives a draft or errors, never a panic; the
// graph problems of a draft name its own nodes and choices.
func FuzzParseDraft(f *testing.F) {
	f.Add([]byte(validScenario))
	f.Add([]byte(brokenDraft))
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
			if n := s.Nodes[m.Node]; n == nil || m.Choice < 1 || m.Choice > len(n.Choices) {
				t.Fatalf("missing target at unknown choice %+v", m)
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
