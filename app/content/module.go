package content

import (
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
)

// Module is a validated course: an ordered list of steps with outcomes, a
// confidence check and a completion rule.
type Module struct {
	ID              string
	Path            string // relative to the content root: modules/<id>/module.yaml
	Title           string
	Summary         string
	Audience        []string
	Minutes         int // 0 when not given
	RefresherMonths int // 0 when not given
	ContentWarning  string
	Outcomes        []string
	Confidence      []string // statements answered 1–5 before and after
	Steps           []*Step
	Completion      Completion
	// Version is a hash of Canonical, which covers the lessons and the
	// versions of the scenarios the module uses.
	Version   string
	Canonical []byte
	// Owner is the organisation whose own content this is (its id); empty
	// for the bundled library.
	Owner string
}

// Lessons returns the module's lessons in step order.
func (m *Module) Lessons() []*Lesson {
	var out []*Lesson
	for _, st := range m.Steps {
		if st.Lesson != nil {
			out = append(out, st.Lesson)
		}
	}
	return out
}

// Scenarios returns the scenarios the module uses, in step order.
func (m *Module) Scenarios() []*Scenario {
	var out []*Scenario
	for _, st := range m.Steps {
		if st.Scenario != nil {
			out = append(out, st.Scenario)
		}
	}
	return out
}

// StepKind says which of its fields a Step uses.
type StepKind string

// The kinds of step.
const (
	LessonStep     StepKind = "lesson"
	ScenarioStep   StepKind = "scenario"
	QuizStep       StepKind = "quiz"
	ReflectionStep StepKind = "reflection"
)

// Step is one entry of a module's ordered steps.
type Step struct {
	Index int // 1-based position in the module
	// ID names the step within the module, independent of its position:
	// "lesson:<file name without .md>", "scenario:<id>", "quiz:<n>" or
	// "reflection:<n>" (n counts steps of that kind from 1).
	ID         string
	Kind       StepKind
	Lesson     *Lesson   // for LessonStep
	Scenario   *Scenario // for ScenarioStep
	Quiz       *Quiz     // for QuizStep
	Reflection string    // the prompt, plain text, for ReflectionStep
}

// Lesson is a Markdown page of a module.
type Lesson struct {
	File     string // file name within the module folder
	Path     string // relative to the content root
	Title    string // from the front matter
	Minutes  int    // from the front matter; 0 when not given
	Markdown string // the body after the front matter
	HTML     template.HTML
	Headings []string // text of every heading, in order
}

// Quiz is a set of multiple-choice questions with a pass mark.
type Quiz struct {
	PassPercent int
	Questions   []*Question
}

// Passed reports whether answering correct questions right meets the pass
// mark.
func (q *Quiz) Passed(correct int) bool {
	return correct*100 >= q.PassPercent*len(q.Questions)
}

// Question is one quiz question; exactly one option is correct.
type Question struct {
	Prompt  string // plain text
	Options []*Option
}

// Option is one answer to a question.
type Option struct {
	Text         string // plain text
	Correct      bool
	Feedback     string // Markdown, may be empty
	FeedbackHTML template.HTML
}

// Completion says what finishing a module's scenarios takes.
type Completion struct {
	// Scenarios is "finished" (any ending) or "positive" (a positive one).
	Scenarios string `json:"scenarios"`
}

// Counts reports whether a scenario attempt with this outcome counts
// towards completing the module.
func (c Completion) Counts(o Outcome) bool {
	if c.Scenarios == "positive" {
		return o == Positive
	}
	return o != ""
}

// DefaultPassPercent is a quiz's pass mark when the file gives none.
const DefaultPassPercent = 80

var (
	moduleFields     = []string{"id", "title", "summary", "audience", "minutes", "refresher_months", "content_warning", "outcomes", "confidence", "steps", "completion"}
	stepKinds        = []string{"lesson", "scenario", "quiz", "reflection"}
	quizFields       = []string{"pass_percent", "questions"}
	questionFields   = []string{"prompt", "options"}
	optionFields     = []string{"text", "correct", "feedback"}
	completionFields = []string{"scenarios"}
	completionRules  = []string{"finished", "positive"}
	frontFields      = []string{"title", "minutes"}
	lessonFile       = regexp.MustCompile(`^[^/\\]+\.md$`)
)

// scenarioRef is what a module needs to know about the scenario files.
type scenarioRef struct {
	s    *Scenario // nil when the file has errors
	path string
}

// parseModule checks modules/<dir>/module.yaml and its lessons against
// rules M1–M7. scenarios holds every scenario file of the tree by id.
func parseModule(r *report, fsys fs.FS, dir string, data []byte, scenarios map[string]scenarioRef, lessonErrs *Errors) *Module {
	w, f, ok := document(r, data, "M1", "M1", "the module", moduleFields)
	if !ok {
		return nil
	}
	m := &Module{Path: r.path}

	// M2 identity.
	m.ID = w.identity(f, "M2", path.Base(dir), "the folder name")
	m.Title = w.text(f, "title", "", "M1")
	if _, ok := f["summary"]; !ok {
		r.add(filePos, "", "M1", "summary is missing")
	} else {
		m.Summary = w.text(f, "summary", "", "M1")
	}
	m.Audience = w.audience(f)
	m.Minutes = w.minutes(f, "minutes")
	m.RefresherMonths = w.minutes(f, "refresher_months")
	m.ContentWarning = w.optText(f, "content_warning", "")
	m.Outcomes = w.textList(f, "outcomes")
	m.Confidence = w.textList(f, "confidence")

	m.Completion = Completion{Scenarios: "finished"}
	if fc, ok := f["completion"]; ok {
		cf, _ := w.fields(fc.val, "", "completion", completionFields...)
		if fs, ok := cf["scenarios"]; ok {
			if v, ok := w.str(fs, ""); ok {
				if slices.Contains(completionRules, v) {
					m.Completion.Scenarios = v
				} else {
					r.add(fs.valPos, "", "M1", "completion scenarios %q is not finished or positive%s", v, suggest(v, completionRules))
				}
			}
		}
	}

	fst, ok := f["steps"]
	items, _ := w.list(fst, "")
	if len(items) == 0 {
		p := filePos
		if ok {
			p = fst.keyPos
		}
		r.add(p, "", "M6", "the module has no steps")
	}
	seen := map[string]int{}
	count := map[StepKind]int{}
	for i, it := range items {
		st := &Step{Index: i + 1}
		where := fmt.Sprintf("step %d", st.Index)
		sf, _ := w.mapping(it.n, where, "a step")
		if len(sf) != 1 {
			r.add(it.pos, where, "M1", "a step is exactly one of lesson:, scenario:, quiz: or reflection:")
			continue
		}
		e := sf[0]
		if !slices.Contains(stepKinds, e.key) {
			r.add(e.keyPos, where, "M1", "unknown step %q; a step is one of lesson, scenario, quiz, reflection%s", e.key, suggest(e.key, stepKinds))
			continue
		}
		st.Kind = StepKind(e.key)
		count[st.Kind]++
		switch st.Kind {
		case LessonStep:
			name, _ := w.str(e, where)
			name = cleanText(name)
			st.ID = "lesson:" + strings.TrimSuffix(name, ".md")
			st.Lesson = lessonStep(r, fsys, dir, name, e, where, lessonErrs)
		case ScenarioStep:
			id, _ := w.str(e, where)
			id = cleanText(id)
			st.ID = "scenario:" + id
			st.Scenario = scenarioStep(r, id, e, where, scenarios)
		case QuizStep:
			st.ID = fmt.Sprintf("quiz:%d", count[st.Kind])
			st.Quiz = w.quiz(e, where)
		case ReflectionStep:
			st.ID = fmt.Sprintf("reflection:%d", count[st.Kind])
			st.Reflection, _ = w.str(e, where)
			st.Reflection = cleanText(st.Reflection)
			if st.Reflection == "" {
				r.add(e.valPos, where, "M1", "reflection prompt is empty")
			}
			w.limit(e, st.Reflection, where)
		}
		if prev, dup := seen[st.ID]; dup && (st.Kind == LessonStep || st.Kind == ScenarioStep) {
			rule := "M3"
			if st.Kind == ScenarioStep {
				rule = "M4"
			}
			r.add(e.valPos, where, rule, "%s is already step %d; a module uses each once", e.key, prev)
			continue
		}
		seen[st.ID] = st.Index
		m.Steps = append(m.Steps, st)
	}
	if len(r.errs) > 0 || len(*lessonErrs) > 0 {
		return nil
	}
	m.Canonical, m.Version = canonicalModule(m)
	return m
}

// textList decodes a list of one-line texts, none of them empty.
func (w *walker) textList(f map[string]field, key string) []string {
	fl, ok := f[key]
	if !ok {
		return nil
	}
	values, ps := w.strList(fl, "")
	var out []string
	for i, v := range values {
		v = cleanText(v)
		if v == "" {
			w.r.add(ps[i], "", w.rule, "%s item %d is empty", key, i+1)
			continue
		}
		w.limit(field{key: key, valPos: ps[i]}, v, "")
		out = append(out, v)
	}
	return out
}

func lessonStep(r *report, fsys fs.FS, dir, name string, e field, where string, lessonErrs *Errors) *Lesson {
	if !lessonFile.MatchString(name) {
		r.add(e.valPos, where, "M3", "lesson %q must be the name of a .md file in the module folder", name)
		return nil
	}
	p := dir + "/" + name
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		// Compare names without .md, so that "01-intro.md" finds
		// "01-introduction.md" by prefix.
		var stems []string
		entries, _ := fs.ReadDir(fsys, dir)
		for _, en := range entries {
			if stem, ok := strings.CutSuffix(en.Name(), ".md"); ok {
				stems = append(stems, stem)
			}
		}
		hint := ""
		if best := closest(strings.TrimSuffix(name, ".md"), stems); best != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", best+".md")
		}
		r.add(e.valPos, where, "M3", "lesson %q not found in %s%s", name, dir, hint)
		return nil
	}
	lr := &report{path: p}
	l := parseLesson(lr, name, data)
	*lessonErrs = append(*lessonErrs, lr.errs...)
	return l
}

// parseLesson reads a lesson: front matter between --- lines with a title,
// then Markdown.
func parseLesson(r *report, name string, data []byte) *Lesson {
	if len(data) > MaxFileBytes {
		r.add(filePos, "", "M3", "the file is %d bytes, over the limit of %d (1 MiB)", len(data), MaxFileBytes)
		return nil
	}
	src := string(normalizeNewlines(data))
	rest, ok := strings.CutPrefix(src, "---\n")
	if !ok {
		r.add(filePos, "", "M3", "the lesson must start with front matter: a line ---, title: ..., and a line ---")
		return nil
	}
	front, body, ok := strings.Cut(rest, "\n---\n")
	if !ok {
		if f, found := strings.CutSuffix(rest, "\n---"); found {
			front, body, ok = f, "", true
		}
	}
	if !ok {
		r.add(filePos, "", "M3", "the front matter has no closing --- line")
		return nil
	}
	// The front matter is parsed on its own; its positions are shifted past
	// the opening --- line.
	fr := &report{path: r.path}
	w := &walker{r: fr, rule: "M3"}
	l := &Lesson{File: name, Path: r.path}
	if strings.TrimSpace(front) == "" {
		fr.add(pos{2, 1}, "", "M3", "the front matter has no title")
	} else if root, ok := w.parseYAML([]byte(front)); ok {
		f, _ := w.fields(root, "", "the front matter", frontFields...)
		l.Title = w.text(f, "title", "", "M3")
		l.Minutes = w.minutes(f, "minutes")
	}
	for _, e := range fr.errs {
		e.Line++
		r.errs = append(r.errs, e)
	}
	// The body starts after the opening ---, the front matter's lines and
	// the closing ---.
	bodyLine := 1 + strings.Count(front, "\n") + 1 + 1 + 1
	l.Markdown = cleanMarkdown(body)
	if l.Markdown == "" {
		r.add(pos{bodyLine, 1}, "", "M3", "the lesson has no text after the front matter")
		return l
	}
	out := renderMarkdown(body)
	if out.rawHTML != "" {
		r.add(pos{bodyLine + out.rawLine - 1, 1}, "", "M3", "the lesson contains raw HTML (%s), which is never shown; use Markdown", clip(out.rawHTML))
	}
	l.HTML = out.html
	l.Headings = out.headings
	return l
}

func scenarioStep(r *report, id string, e field, where string, scenarios map[string]scenarioRef) *Scenario {
	ref, ok := scenarios[id]
	if !ok {
		ids := make([]string, 0, len(scenarios))
		for k := range scenarios {
			ids = append(ids, k)
		}
		slices.Sort(ids)
		r.add(e.valPos, where, "M4", "scenario %q names no scenario%s", id, suggest(id, ids))
		return nil
	}
	if ref.s == nil {
		r.add(e.valPos, where, "M4", "scenario %q does not pass its own rules (see %s)", id, ref.path)
		return nil
	}
	return ref.s
}

func (w *walker) quiz(e field, where string) *Quiz {
	f, _ := w.fields(e.val, where, "a quiz", quizFields...)
	q := &Quiz{PassPercent: DefaultPassPercent}
	if fp, ok := f["pass_percent"]; ok && fp.val != nil {
		if v, ok := w.integer(fp, where); ok {
			if v < 0 || v > 100 {
				w.r.add(fp.valPos, where, "M5", "pass_percent %d is not between 0 and 100", v)
			}
			q.PassPercent = v
		}
	}
	fq, ok := f["questions"]
	items, _ := w.list(fq, where)
	if len(items) == 0 {
		p := e.keyPos
		if ok {
			p = fq.keyPos
		}
		w.r.add(p, where, "M5", "the quiz has no questions")
	}
	for i, it := range items {
		qw := fmt.Sprintf("%s, question %d", where, i+1)
		qf, _ := w.fields(it.n, qw, "a question", questionFields...)
		qu := &Question{}
		q.Questions = append(q.Questions, qu)
		qu.Prompt = w.itemText(qf, "prompt", qw, it.pos, "the question", "M5")
		fo, ok := qf["options"]
		opts, _ := w.list(fo, qw)
		p := it.pos
		if ok {
			p = fo.keyPos
		}
		if len(opts) < 2 {
			w.r.add(p, qw, "M5", "a question needs at least two options, not %d", len(opts))
		}
		correct := 0
		for j, ot := range opts {
			ow := fmt.Sprintf("%s, option %d", qw, j+1)
			of, _ := w.fields(ot.n, ow, "an option", optionFields...)
			o := &Option{}
			qu.Options = append(qu.Options, o)
			o.Text = w.itemText(of, "text", ow, ot.pos, "the option", "M5")
			if fc, ok := of["correct"]; ok && fc.val != nil {
				o.Correct, _ = w.boolean(fc, ow)
			}
			if o.Correct {
				correct++
			}
			if ff, ok := of["feedback"]; ok {
				o.Feedback, o.FeedbackHTML = w.markdownField(ff, ow, "M5")
			}
		}
		if len(opts) >= 2 && correct != 1 {
			w.r.add(p, qw, "M5", "exactly one option must be correct: true, not %d", correct)
		}
	}
	return q
}
