package content

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
)

// VocabularyPath is where a content tree keeps its competency vocabulary:
// the one list of competency keys, with labels and definitions, that every
// scenario of the tree draws its `competencies` from (docs/content.md,
// "Competency vocabulary"). A tree without it has no such rule.
const VocabularyPath = "modules/competencies.yaml"

// vocabKey is the form of a vocabulary key: lower-case words joined by
// single underscores, as a competency key is written in a scenario's
// `score` ("taking_seriously").
var vocabKey = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// CompetencyDef is one entry of a competency vocabulary.
type CompetencyDef struct {
	Key        string
	Label      string
	Definition string
}

// Vocabulary is a content tree's list of competencies.
type Vocabulary struct {
	Competencies []CompetencyDef // sorted by key
	byKey        map[string]CompetencyDef
}

// Lookup returns the vocabulary's entry for key.
func (v *Vocabulary) Lookup(key string) (CompetencyDef, bool) {
	if v == nil {
		return CompetencyDef{}, false
	}
	d, ok := v.byKey[key]
	return d, ok
}

// Keys lists the vocabulary's keys, sorted.
func (v *Vocabulary) Keys() []string {
	keys := make([]string, len(v.Competencies))
	for i, d := range v.Competencies {
		keys[i] = d.Key
	}
	return keys
}

// ParseVocabulary checks a competency vocabulary file (rule V1) and
// returns it, or every problem found. path is relative to the content
// root.
func ParseVocabulary(path string, data []byte) (*Vocabulary, Errors) {
	r := &report{path: path}
	v := parseVocabulary(r, data)
	if len(r.errs) > 0 {
		r.errs.sort()
		return nil, r.errs
	}
	return v, nil
}

func parseVocabulary(r *report, data []byte) *Vocabulary {
	w, f, ok := document(r, data, "V1", "V1", "the vocabulary", []string{"competencies"})
	if !ok {
		return nil
	}
	fc, ok := f["competencies"]
	if !ok || fc.val == nil {
		r.add(filePos, "", "V1", "competencies is missing: list each key with its label and definition")
		return nil
	}
	entries, _ := w.mapping(fc.val, "", "competencies")
	v := &Vocabulary{byKey: make(map[string]CompetencyDef, len(entries))}
	for _, e := range entries {
		where := fmt.Sprintf("competency %q", e.key)
		if !vocabKey.MatchString(e.key) {
			r.add(e.keyPos, where, "V1", "key %q must be lower-case letters and digits in words joined by single underscores, starting with a letter", e.key)
			continue
		}
		ef, ok := w.fields(e.val, where, "a competency", "label", "definition")
		if !ok {
			continue
		}
		if e.val == nil {
			r.add(e.keyPos, where, "V1", "competency %q needs a label and a definition", e.key)
			continue
		}
		d := CompetencyDef{Key: e.key}
		good := true
		for _, name := range []string{"label", "definition"} {
			ff, ok := ef[name]
			if !ok {
				r.add(e.keyPos, where, "V1", "%s is missing", name)
				good = false
				continue
			}
			s, ok := w.str(ff, where)
			s = cleanText(s)
			if !ok {
				good = false
				continue
			}
			if s == "" {
				r.add(ff.valPos, where, "V1", "%s is empty", name)
				good = false
				continue
			}
			if !w.limit(ff, s, where) {
				good = false
				continue
			}
			if name == "label" {
				d.Label = s
			} else {
				d.Definition = s
			}
		}
		if good {
			v.byKey[d.Key] = d
			v.Competencies = append(v.Competencies, d)
		}
	}
	slices.SortFunc(v.Competencies, func(a, b CompetencyDef) int { return strings.Compare(a.Key, b.Key) })
	return v
}

// readVocabulary reads the tree's vocabulary file: nil and no problems when
// there is none.
func readVocabulary(fsys fs.FS) (*Vocabulary, Errors) {
	data, err := fs.ReadFile(fsys, VocabularyPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, Errors{{Path: VocabularyPath, Line: 1, Col: 1, Rule: "V1", Msg: err.Error()}}
	}
	return ParseVocabulary(VocabularyPath, data)
}

// checkVocabulary reports, under S13, each of the scenario's competencies
// whose key is not in the vocabulary or whose label is not the
// vocabulary's label for it.
func checkVocabulary(s *Scenario, v *Vocabulary) Errors {
	r := &report{path: s.Path}
	keys := v.Keys()
	for _, c := range s.Competencies {
		d, ok := v.byKey[c.Key]
		if !ok {
			hint := suggest(c.Key, keys)
			if hint == "" {
				hint = "; its keys are " + strings.Join(keys, ", ")
			}
			r.add(c.keyPos, "", "S13", "competency %q is not in the vocabulary (%s)%s", c.Key, VocabularyPath, hint)
			continue
		}
		if c.Label != d.Label {
			r.add(c.labelPos, "", "S13", "competency %q has the label %q; the vocabulary's label is %q", c.Key, c.Label, d.Label)
		}
	}
	return r.errs
}
