package content

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// Catalogue is the validated content of one tree: every scenario file and
// every module. It is built once (at start-up) and only read afterwards.
type Catalogue struct {
	Scenarios []*Scenario // sorted by id
	Modules   []*Module   // sorted by id
	// Vocabulary is the tree's competency vocabulary (VocabularyPath), nil
	// when it has none. Over a base catalogue (LoadOver) it is the base's:
	// the library's labels and definitions.
	Vocabulary *Vocabulary

	scenarios map[string]*Scenario
	modules   map[string]*Module
}

// Scenario returns the scenario with this id.
func (c *Catalogue) Scenario(id string) (*Scenario, bool) {
	s, ok := c.scenarios[id]
	return s, ok
}

// Module returns the module with this id.
func (c *Catalogue) Module(id string) (*Module, bool) {
	m, ok := c.modules[id]
	return m, ok
}

// Summary is the result of checking a content tree.
type Summary struct {
	Modules   int // module folders found, valid or not
	Scenarios int // scenario files found, valid or not
	Errors    Errors
}

// Load reads and checks the content under fsys, whose root holds modules/
// and scenarios/ (either may be missing). On any problem it returns a nil
// Catalogue and an Errors value listing every one.
func Load(fsys fs.FS) (*Catalogue, error) {
	cat, sum := load(fsys, nil)
	if len(sum.Errors) > 0 {
		return nil, sum.Errors
	}
	return cat, nil
}

// Check reads and checks the content under fsys like Load and tells how
// much it found and what is wrong, for `upstand content check`.
func Check(fsys fs.FS) Summary {
	_, sum := load(fsys, nil)
	return sum
}

// skipped reports names an author keeps beside the content: hidden files
// and anything starting with an underscore (drafts, notes).
func skipped(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// load reads the tree under fsys. Over a base catalogue (an
// organisation's content over the bundled library), the tree's modules may
// use the base's scenarios too, and its ids must not be the base's.
func load(fsys fs.FS, base *Catalogue) (*Catalogue, Summary) {
	var sum Summary
	cat := &Catalogue{scenarios: map[string]*Scenario{}, modules: map[string]*Module{}}

	// The competency vocabulary, when the tree has one, rules every
	// scenario of the same tree (S13); a broken one is reported (V1) and
	// rules nothing.
	vocab, verrs := readVocabulary(fsys)
	sum.Errors = append(sum.Errors, verrs...)
	cat.Vocabulary = vocab

	refs := map[string]scenarioRef{}
	if base != nil {
		for _, s := range base.Scenarios {
			refs[s.ID] = scenarioRef{s: s, path: s.Path}
		}
	}
	entries, err := readDir(fsys, "scenarios")
	if err != nil {
		sum.Errors = append(sum.Errors, Error{Path: "scenarios", Line: 1, Col: 1, Rule: "S1", Msg: err.Error()})
	}
	for _, e := range entries {
		name := e.Name()
		if skipped(name) || e.IsDir() {
			continue
		}
		p := "scenarios/" + name
		if strings.HasSuffix(name, ".yml") {
			sum.Errors = append(sum.Errors, Error{Path: p, Line: 1, Col: 1, Rule: "S2",
				Msg: "scenario files must end in .yaml; rename it to " + strings.TrimSuffix(name, ".yml") + ".yaml"})
			continue
		}
		if !strings.HasSuffix(name, ".yaml") {
			continue
		}
		sum.Scenarios++
		id := strings.TrimSuffix(name, ".yaml")
		if _, taken := refs[id]; taken && base != nil {
			sum.Errors = append(sum.Errors, Error{Path: p, Line: 1, Col: 1, Rule: "S2",
				Msg: fmt.Sprintf("the library already has a scenario %q; choose another id", id)})
			continue
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			sum.Errors = append(sum.Errors, Error{Path: p, Line: 1, Col: 1, Rule: "S1", Msg: err.Error()})
			refs[id] = scenarioRef{path: p}
			continue
		}
		// The draft form, so that the vocabulary is checked even in a file
		// with other problems (a misspelt competency key is then reported
		// once, with the vocabulary's key to use).
		s, errs := ParseDraft(p, data)
		sum.Errors = append(sum.Errors, errs...)
		if s != nil && vocab != nil {
			sum.Errors = append(sum.Errors, checkVocabulary(s, vocab)...)
		}
		if errs != nil {
			s = nil
		}
		refs[id] = scenarioRef{s: s, path: p}
		if s != nil {
			cat.scenarios[s.ID] = s
			cat.Scenarios = append(cat.Scenarios, s)
		}
	}

	entries, err = readDir(fsys, "modules")
	if err != nil {
		sum.Errors = append(sum.Errors, Error{Path: "modules", Line: 1, Col: 1, Rule: "M1", Msg: err.Error()})
	}
	for _, e := range entries {
		if skipped(e.Name()) || !e.IsDir() {
			continue
		}
		sum.Modules++
		dir := "modules/" + e.Name()
		if base != nil {
			if _, taken := base.modules[e.Name()]; taken {
				sum.Errors = append(sum.Errors, Error{Path: dir + "/module.yaml", Line: 1, Col: 1, Rule: "M2",
					Msg: fmt.Sprintf("the library already has a module %q; choose another id", e.Name())})
				continue
			}
		}
		p := dir + "/module.yaml"
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			msg := "the module folder has no module.yaml"
			if _, yml := fs.Stat(fsys, dir+"/module.yml"); yml == nil {
				msg += "; rename module.yml to module.yaml"
			} else if !errors.Is(err, fs.ErrNotExist) {
				msg = err.Error()
			}
			sum.Errors = append(sum.Errors, Error{Path: p, Line: 1, Col: 1, Rule: "M2", Msg: msg})
			continue
		}
		r := &report{path: p}
		var lessonErrs Errors
		m := parseModule(r, fsys, dir, data, refs, &lessonErrs)
		sum.Errors = append(sum.Errors, r.errs...)
		sum.Errors = append(sum.Errors, lessonErrs...)
		if m != nil {
			cat.modules[m.ID] = m
			cat.Modules = append(cat.Modules, m)
		}
	}

	sum.Errors.sort()
	slices.SortFunc(cat.Scenarios, func(a, b *Scenario) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(cat.Modules, func(a, b *Module) int { return strings.Compare(a.ID, b.ID) })
	return cat, sum
}

// readDir lists a content folder; a missing folder is an empty one.
func readDir(fsys fs.FS, dir string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return entries, err
}
